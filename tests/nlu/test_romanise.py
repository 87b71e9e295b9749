"""Cyrillic in Latin letters, the ways people type it."""

from nlu.romanise import romanise


def test_each_habit_is_written() -> None:
    spellings = {romanise("Коли ви працюєте?", "uk", scheme) for scheme in range(3)}
    assert spellings == {"Koly vy pratsiuiete?", "Koly vy pratsyuyete?", "Koly vy pracjujete?"}
    assert romanise("Когда вы работаете", "ru", 1) == "Kogda vy rabotaete"


def test_the_habit_follows_the_text_so_training_data_is_stable() -> None:
    assert romanise("Хочу научиться плавать", "ru") == romanise("Хочу научиться плавать", "ru")
