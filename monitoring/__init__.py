"""Anonymous inquiry statistics: recording, pre-aggregation, small-count protection, dashboard, reports."""
