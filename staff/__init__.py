"""The staff inbox: a web page where colleagues take over conversations, reply and hand them back."""
