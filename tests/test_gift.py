"""The GIFT importer (quizzes.gift): each GIFT feature we map, what we refuse and where."""

from __future__ import annotations

import time

import pytest

from coursevault.quizzes.gift import BLANK, GiftError, parse
from coursevault.quizzes.models import MAX_QUESTIONS, QuestionIn, QuestionType


def one(text: str) -> QuestionIn:
    questions = parse(text)
    assert len(questions) == 1
    return questions[0]


def refused(text: str) -> GiftError:
    with pytest.raises(GiftError) as caught:
        parse(text)
    return caught.value


def texts(question: QuestionIn) -> list[str]:
    return [option.text for option in question.options]


# Answer kinds


def test_single_choice_one_right_among_wrong() -> None:
    q = one("Who wrote Hamlet? {~Marlowe =Shakespeare ~Bacon}")
    assert q.type is QuestionType.single
    assert q.stem == "Who wrote Hamlet?"
    assert texts(q) == ["Marlowe", "Shakespeare", "Bacon"]
    assert q.correct == [1]
    assert not q.partial_credit


def test_answers_may_span_lines() -> None:
    q = one("Capital of France?\n{\n  =Paris\n  ~Lyon\n  ~Nice\n}")
    assert (q.type, texts(q), q.correct) == (QuestionType.single, ["Paris", "Lyon", "Nice"], [0])


def test_positive_weights_make_multiple_choice_with_partial_credit() -> None:
    q = one("Primes? {~%50%2 ~%50%3 ~%-100%4 ~1}")
    assert q.type is QuestionType.multiple
    assert q.correct == [0, 1]
    assert q.partial_credit


def test_full_weights_make_multiple_choice_without_partial_credit() -> None:
    q = one("Which is red? {~%100%cherry ~grass}")
    assert (q.type, q.correct, q.partial_credit) == (QuestionType.multiple, [0], False)


def test_decimal_weights() -> None:
    q = one("Thirds {~%33.33333%a ~%33.33333%b ~%33.33334%c ~d}")
    assert (q.type, q.correct, q.partial_credit) == (QuestionType.multiple, [0, 1, 2], True)


def test_a_partly_right_option_of_a_single_choice_earns_nothing() -> None:
    q = one("Best? {=best ~%50%good ~bad}")
    assert (q.type, q.correct) == (QuestionType.single, [0])


@pytest.mark.parametrize(
    ("block", "truth"),
    [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False), ("{ true }", True)],
)
def test_true_false(block: str, truth: bool) -> None:
    q = one(f"The sky is blue. {block}")
    assert (q.type, q.truth, q.stem) == (QuestionType.true_false, truth, "The sky is blue.")


def test_true_false_with_feedback() -> None:
    q = one("Water is wet. {TRUE#Wrong, it is.#Right.####Water wets things.}")
    assert (q.truth, q.explanation) == (True, "Water wets things.")


def test_numeric_with_tolerance() -> None:
    q = one("Pi to two places? {#3.14:0.005}")
    assert (q.type, q.value, q.tolerance) == (QuestionType.numeric, 3.14, 0.005)


def test_numeric_exact_and_negative() -> None:
    q = one("Coldest? {#-273.15}")
    assert (q.value, q.tolerance) == (-273.15, 0.0)


def test_numeric_range_becomes_middle_and_half_width() -> None:
    q = one("A number from 1 to 5 {#1..5}")
    assert (q.value, q.tolerance) == (3.0, 2.0)


def test_numeric_several_answers_keeps_the_first_full_credit_one() -> None:
    q = one("When was Ulysses S. Grant born? {#=%50%1822:2 =1822:0 =%50%1800..1850}")
    assert (q.value, q.tolerance) == (1822.0, 0.0)
    q = one("Pi {#=3.14:0.01 =%50%3:0.5}")
    assert (q.value, q.tolerance) == (3.14, 0.01)


def test_numeric_feedback_is_dropped() -> None:
    q = one("Pi {#3.14:0.01#close enough####It is about 3.14159.}")
    assert (q.value, q.tolerance, q.explanation) == (3.14, 0.01, "It is about 3.14159.")


def test_short_answer() -> None:
    q = one("Name a pet. {=cat =dog #purr}")
    assert (q.type, q.accepted) == (QuestionType.short_text, ["cat", "dog"])


def test_short_answer_keeps_only_full_credit_answers() -> None:
    q = one("Two plus two {=four =%50%for}")
    assert q.accepted == ["four"]


# Stems, titles, feedback


def test_missing_word_leaves_a_blank_in_the_stem() -> None:
    q = one("Mahatma Gandhi's birthday is an Indian holiday on {~15th =2nd ~3rd} of October.")
    assert q.stem == f"Mahatma Gandhi's birthday is an Indian holiday on {BLANK} of October."
    assert q.correct == [1]


def test_missing_word_at_the_start() -> None:
    assert (
        one("{=Paris ~Rome} is the capital of France.").stem == f"{BLANK} is the capital of France."
    )


def test_title_is_dropped() -> None:
    q = one("::Hamlet's author:: Who wrote Hamlet? {=Shakespeare ~Marlowe}")
    assert q.stem == "Who wrote Hamlet?"


def test_title_with_escaped_colons() -> None:
    assert one(r"::a\:b:: Stem {T}").stem == "Stem"


def test_general_feedback_is_the_explanation() -> None:
    q = one("2+2? {=4 #Right ~5 #No, it is 4. ####Count on your fingers.}")
    assert q.explanation == "Count on your fingers."
    assert texts(q) == ["4", "5"]


def test_per_answer_feedback_is_dropped() -> None:
    q = one("2+2? {=4#Yes ~5#No}")
    assert (texts(q), q.explanation) == (["4", "5"], "")


@pytest.mark.parametrize("prefix", ["[html]", "[markdown]", "[plain]", "[moodle]", "[HTML]"])
def test_format_prefix_is_stripped(prefix: str) -> None:
    q = one(f"::t::{prefix}Some *text* {{T####{prefix}why}}")
    assert (q.stem, q.explanation) == ("Some *text*", "why")


def test_unknown_bracket_prefix_is_kept() -> None:
    assert one("[note] Stem {T}").stem == "[note] Stem"


def test_html_is_kept_as_literal_text() -> None:
    # The app renders stems as Markdown with raw HTML off and sanitises: this stays inert.
    q = one("[html]<script>alert(1)</script><b>Bold?</b> {T}")
    assert q.stem == "<script>alert(1)</script><b>Bold?</b>"


def test_multi_line_stem_keeps_its_lines() -> None:
    q = one("First line\nsecond line\n{T}")
    assert q.stem == "First line\nsecond line"


# Escapes, comments, categories, several questions


def test_escapes() -> None:
    q = one(r"Braces \{ \} and a\=b, \~, \#, c\:d? {=a\=b ~c\}d ~e\~f ~g\#h}")
    assert q.stem == "Braces { } and a=b, ~, #, c:d?"
    assert texts(q) == ["a=b", "c}d", "e~f", "g#h"]


def test_escaped_newline_and_backslash() -> None:
    q = one(r"One\ntwo, a \\ and \\n and \frac\{ {T}")
    assert q.stem == "One\ntwo, a \\ and \\n and \\frac{"


def test_other_backslashes_are_kept() -> None:
    assert one(r"Is \alpha a letter? {T}").stem == r"Is \alpha a letter?"


def test_comments_and_categories_are_ignored() -> None:
    text = "// a comment\n$CATEGORY: $course$/Maths\n\n  // indented comment\nStem {\n// inside\n=a ~b}\n"
    q = one(text)
    assert (q.stem, texts(q)) == ("Stem", ["a", "b"])


def test_several_questions_separated_by_blank_lines() -> None:
    text = "\n\nQ1 {T}\n\n\n  \nQ2 {F}\r\n\r\nQ3 {#1}\n"
    assert [q.stem for q in parse(text)] == ["Q1", "Q2", "Q3"]


def test_a_byte_order_mark_is_ignored() -> None:
    assert one("\ufeffStem {T}").stem == "Stem"


def test_noncharacters_in_the_file_cannot_pose_as_escapes() -> None:
    q = one("a\ufdd1b {=x ~y}")
    assert q.stem == "ab"


# Refusals, with the line to look at


@pytest.mark.parametrize("text", ["", "\n\n", "// only a comment\n", "$CATEGORY: a\n"])
def test_empty_file(text: str) -> None:
    error = refused(text)
    assert error.line == 1
    assert "no questions" in error.message


def test_unclosed_brace_names_its_line() -> None:
    error = refused("Q1 {T}\n\nQ2\n{=a\n~b\n\nQ3 {T}")
    assert error.line == 4
    assert "never closed" in error.message


def test_no_right_answer() -> None:
    error = refused("Q1 {T}\n\n// c\nQ2 {~a ~b}")
    assert (error.line, "no right answer" in error.message) == (4, True)


def test_no_right_numeric_answer() -> None:
    assert "numeric" in refused("Q {#=%50%3}").message


def test_no_full_credit_short_answer() -> None:
    assert "fully right" in refused("Q {=%50%a}").message


def test_matching_is_refused() -> None:
    error = refused("Q1 {T}\n\nMatch:\n{\n=cat -> kitten\n=dog -> puppy\n}")
    assert error.line == 4
    assert "matching" in error.message


def test_several_equals_among_tildes_is_refused() -> None:
    assert "several =answers" in refused("Q {=a =b ~c}").message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q {}", 1, "essay"),
        ("Just a description.", 1, "no answer block"),
        ("Q {cat}", 1, "must start with = or ~"),
        ("Q\n{\n=a\n~%abc%b\n}", 4, "weight"),
        ("Q {~%150%a ~b}", 1, "weight"),
        ("Q {#abc}", 1, "not a number"),
        ("Q {#5..1}", 1, "range"),
        ("Q {#3:x}", 1, "not a number"),
        ("Q } {T}", 1, "no '{'"),
        ("Q {=a {b} ~c}", 1, "inside an answer block"),
        ("Q {T}\nand {F}", 2, "second answer block"),
        ("::title never closed {T}", 1, "title"),
    ],
)
def test_malformed(text: str, line: int, words: str) -> None:
    error = refused("First {T}\n\n" + text)
    assert error.line == line + 2
    assert words in error.message
    assert str(error).startswith(f"line {line + 2}: ")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Q {=a ~A}", "same text"),  # options differ only in case
        ("{T}", "stem"),  # no stem at all
        ("Q {#1:-1}", "tolerance"),
        ("Q {#1e999}", "value"),  # infinity
        ("Q {=a " + "~b" * 5 + "}", "options"),  # options repeat
        ("Q {=a " + " ".join(f"~o{i}" for i in range(25)) + "}", "options"),  # > MAX_OPTIONS
        ("Q {" + " ".join(f"=a{i}" for i in range(51)) + "}", "more than 50 answers"),
    ],
)
def test_what_question_validation_refuses_names_the_question(text: str, words: str) -> None:
    error = refused("First {T}\n\n// c\n" + text)
    assert error.line == 4
    assert words in error.message


def test_too_many_questions() -> None:
    text = "\n\n".join(f"Q{i} {{T}}" for i in range(MAX_QUESTIONS + 1))
    error = refused(text)
    assert error.line == 2 * MAX_QUESTIONS + 1
    assert str(MAX_QUESTIONS) in error.message
    assert len(parse(text.rsplit("\n\n", 1)[0])) == MAX_QUESTIONS


# Size


def test_a_megabyte_file_parses_whole() -> None:
    stem = "Lorem ipsum \\{dolor\\} sit amet, a\\=b. " * 130  # about 5 kB
    question = stem + "{~%50%one ~%50%two ~three ####" + "why " * 50 + "}"
    text = "\n\n".join(f"// {i}\n::q{i}::{question}" for i in range(MAX_QUESTIONS))
    assert len(text) > 1_000_000
    questions = parse(text)
    assert len(questions) == MAX_QUESTIONS
    assert questions[-1].correct == [0, 1]


@pytest.mark.parametrize(
    "text",
    [
        "{" * 1_000_000,
        "}" * 1_000_000,
        "::" * 500_000,
        "Q {" + "~" * 1_000_000 + "}",
        "Q {" + "=" * 1_000_000,
        "Q {#" + "." * 1_000_000 + "}",
        "Q {~%" + "1" * 1_000_000 + "}",
        "Q {~%" + "1" * 1_000_000 + "%a ~b}",
        "\\" * 1_000_000,
        "Q\n" * 500_000,
    ],
)
def test_hostile_megabyte_fails_without_backtracking(text: str) -> None:
    # Not a speed goal (it parses in milliseconds): a pattern that backtracks on such input
    # takes minutes on a megabyte, so a bound far above any machine's noise still catches
    # it.
    started = time.perf_counter()
    with pytest.raises(GiftError):
        parse(text)
    assert time.perf_counter() - started < 10
