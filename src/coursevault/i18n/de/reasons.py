"""German reasons for refusing what an instructor or a learner sent (course settings,
chapters, covers, quizzes and GIFT files, captions, upload headers), keyed by their
English templates. A reason without a capital is set into a sentence ("… : {reason}.")."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # the base
    "Method not allowed": "Diese Methode ist hier nicht erlaubt.",
    "The request body is too large.": "Der Inhalt der Anfrage ist zu groß.",
    # courses: publishing, completion and release rules
    "This course is not ready to publish: {reasons}": (
        "Dieser Kurs ist noch nicht bereit zur Veröffentlichung: {reasons}"
    ),
    "add at least one lesson": "fügen Sie mindestens eine Lektion hinzu",
    "the video of lesson “{title}” is not ready": (
        "das Video der Lektion „{title}“ ist noch nicht bereit"
    ),
    "a quiz of lesson “{title}” has no question": (
        "ein Quiz der Lektion „{title}“ hat noch keine Frage"
    ),
    "Cannot use this completion rule: {reason}.": (
        "Diese Abschlussregel kann nicht verwendet werden: {reason}."
    ),
    "lessons names a lesson that is not in this course": (
        "lessons nennt eine Lektion, die nicht zu diesem Kurs gehört"
    ),
    "required_quizzes names a quiz that is not in this course": (
        "required_quizzes nennt ein Quiz, das nicht zu diesem Kurs gehört"
    ),
    "Cannot use this release rule: {reason}.": (
        "Diese Freigaberegel kann nicht verwendet werden: {reason}."
    ),
    "after_quiz names a quiz that is not in this course": (
        "after_quiz nennt ein Quiz, das nicht zu diesem Kurs gehört"
    ),
    "a lesson cannot wait for a quiz of its own": (
        "eine Lektion kann nicht auf eines ihrer eigenen Quizze warten"
    ),
    "read this lesson's engagement": "die Wiedergabestatistik dieser Lektion ansehen",
    # chapters and covers
    "Only video lessons have chapters.": "Nur Videolektionen haben Kapitel.",
    "Line {number}: write a time and a title, like “1:30 Setup”.": (
        "Zeile {number}: Schreiben Sie eine Zeit und einen Titel, etwa „1:30 Einrichtung“."
    ),
    "Line {number}: minutes must be below 60 in h:mm:ss.": (
        "Zeile {number}: Bei h:mm:ss müssen die Minuten unter 60 liegen."
    ),
    "Line {number}: a title has at most {limit} characters.": (
        "Zeile {number}: Ein Titel hat höchstens {limit} Zeichen."
    ),
    "Line {number}: {start} does not come after {previous}.": (
        "Zeile {number}: {start} liegt nicht nach {previous}."
    ),
    "Line {number}: {start} is past the end of the video ({end}).": (
        "Zeile {number}: {start} liegt nach dem Ende des Videos ({end})."
    ),
    "A lesson has at most {limit} chapters.": "Eine Lektion hat höchstens {limit} Kapitel.",
    "Upload a JPEG, PNG or WebP image.": "Laden Sie ein JPEG-, PNG- oder WebP-Bild hoch.",
    "The image has too many pixels (at most 40 megapixels).": (
        "Das Bild hat zu viele Pixel (höchstens 40 Megapixel)."
    ),
    "The file is not an image we can read (JPEG, PNG or WebP).": (
        "Die Datei ist kein Bild, das wir lesen können (JPEG, PNG oder WebP)."
    ),
    # quizzes and checkpoints
    "Two questions have the same id.": "Zwei Fragen haben dieselbe ID.",
    "A quiz holds at most {limit} questions.": "Ein Quiz hat höchstens {limit} Fragen.",
    "A checkpoint allows unlimited attempts.": "Ein Checkpoint erlaubt unbegrenzt viele Versuche.",
    "Checkpoints go on video lessons.": "Checkpoints gehören in Videolektionen.",
    "The video is {seconds:.0f} s long; put the checkpoint before.": (
        "Das Video ist {seconds:.0f} s lang; setzen Sie den Checkpoint davor."
    ),
    "Only a checkpoint has a time.": "Nur ein Checkpoint hat einen Zeitpunkt.",
    "A quiz lesson is removed by deleting its lesson.": (
        "Eine Quizlektion entfernen Sie, indem Sie ihre Lektion löschen."
    ),
    "This quiz has no questions yet.": "Dieses Quiz hat noch keine Fragen.",
    "This answer cannot be saved: {reason}.": (
        "Diese Antwort kann nicht gespeichert werden: {reason}."
    ),
    "a {kind} question takes no {fields}": "eine Frage vom Typ {kind} nimmt kein {fields} an",
    "a {kind} question needs its {field}": "eine Frage vom Typ {kind} braucht ihr {field}",
    "this question takes no options": "diese Frage hat keine Optionen",
    "an option that is not in this question": "eine Option, die nicht zu dieser Frage gehört",
    "an option given twice": "eine doppelt angegebene Option",
    "a single-choice question takes one option": (
        "bei einer Einfachauswahl ist nur eine Option möglich"
    ),
    "a {kind} question needs at least {least} options": (
        "eine Frage vom Typ {kind} braucht mindestens {least} Optionen"
    ),
    "two options have the same text": "zwei Optionen haben denselben Text",
    "two options have the same id": "zwei Optionen haben dieselbe ID",
    "correct names an option that does not exist": ("correct nennt eine Option, die es nicht gibt"),
    "a single-choice question has exactly one correct option": (
        "eine Einfachauswahl hat genau eine richtige Option"
    ),
    "a multiple-choice question needs at least one correct option": (
        "eine Mehrfachauswahl braucht mindestens eine richtige Option"
    ),
    "a true/false question needs truth": "eine Wahr/Falsch-Frage braucht truth",
    "a numeric question needs value": "eine Zahlenfrage braucht value",
    "a short-text question needs at least one accepted answer": (
        "eine Kurztextfrage braucht mindestens eine akzeptierte Antwort"
    ),
    # GIFT files
    "Line {line}: {reason}. Nothing was imported.": (
        "Zeile {line}: {reason}. Es wurde nichts importiert."
    ),
    "no questions in this file": "diese Datei enthält keine Fragen",
    "more than {limit} questions": "mehr als {limit} Fragen",
    "a title (::title::) that is never closed": "ein Titel (::Titel::), der nie geschlossen wird",
    "a '}}' with no '{{' before it (write \\}} for a brace)": (
        "ein '}}' ohne '{{' davor (schreiben Sie \\}} für eine Klammer)"
    ),
    "no answer block {{...}}: descriptions are not supported": (
        "kein Antwortblock {{...}}: Beschreibungen werden nicht unterstützt"
    ),
    "this '{{' is never closed": "dieses '{{' wird nie geschlossen",
    "a '{{' inside an answer block (write \\{{ for a brace)": (
        "ein '{{' in einem Antwortblock (schreiben Sie \\{{ für eine Klammer)"
    ),
    "a second answer block: a question has one": (
        "ein zweiter Antwortblock: Eine Frage hat nur einen"
    ),
    "an empty answer block (an essay) is not supported": (
        "ein leerer Antwortblock (ein Aufsatz) wird nicht unterstützt"
    ),
    "matching questions (=a -> b) are not supported": (
        "Zuordnungsfragen (=a -> b) werden nicht unterstützt"
    ),
    "no fully right answer (=answer)": "keine ganz richtige Antwort (=Antwort)",
    "an answer must start with = or ~, not {start!r}": (
        "eine Antwort muss mit = oder ~ beginnen, nicht mit {start!r}"
    ),
    "more than {limit} answers": "mehr als {limit} Antworten",
    "a weight must be %N% with N from -100 to 100: {text!r}": (
        "eine Gewichtung muss %N% mit N von -100 bis 100 sein: {text!r}"
    ),
    "no right answer (=answer, or a positive ~%N% weight)": (
        "keine richtige Antwort (=Antwort oder eine positive Gewichtung ~%N%)"
    ),
    "several =answers: give the right ones ~%N% weights instead": (
        "mehrere =Antworten: Geben Sie den richtigen Antworten stattdessen Gewichtungen ~%N%"
    ),
    "no fully right numeric answer": "keine ganz richtige Zahlenantwort",
    "a range that ends below its start: {range}": (
        "ein Bereich, der unter seinem Anfang endet: {range}"
    ),
    "not a number: {text!r}": "keine Zahl: {text!r}",
    # captions
    "The caption file was not accepted: {reason}.": (
        "Die Untertiteldatei wurde nicht angenommen: {reason}."
    ),
    "The caption file was not accepted: line {line}: {reason}.": (
        "Die Untertiteldatei wurde nicht angenommen: Zeile {line}: {reason}."
    ),
    "The caption file was not accepted: cue {cue}: {reason}.": (
        "Die Untertiteldatei wurde nicht angenommen: Untertitel {cue}: {reason}."
    ),
    "the file is not valid UTF-16": "die Datei ist kein gültiges UTF-16",
    "the file is not UTF-8; save it as UTF-8 and upload it again": (
        "die Datei ist nicht in UTF-8; speichern Sie sie als UTF-8 und laden Sie sie erneut hoch"
    ),
    "{stamp!r} is not a time (use 00:01:02.500 or 00:01:02,500)": (
        "{stamp!r} ist keine Zeitangabe (verwenden Sie 00:01:02.500 oder 00:01:02,500)"
    ),
    "the file is larger than {kib} KiB": "die Datei ist größer als {kib} KiB",
    "the file holds NUL characters; it is not a caption file": (
        "die Datei enthält NUL-Zeichen; sie ist keine Untertiteldatei"
    ),
    "a WebVTT file starts with the line WEBVTT": "eine WebVTT-Datei beginnt mit der Zeile WEBVTT",
    "more than {limit:,} cues": "mehr als {limit:,} Untertitel",
    "no cue found (expected lines such as 00:00:01,000 --> 00:00:04,000)": (
        "kein Untertitel gefunden (erwartet werden Zeilen wie 00:00:01,000 --> 00:00:04,000)"
    ),
    "the cue ends before it starts": "der Untertitel endet, bevor er beginnt",
    "the cue starts at {start}, after the video ends ({end})": (
        "der Untertitel beginnt bei {start}, nach dem Ende des Videos ({end})"
    ),
    "the cue is longer than {limit:,} characters": (
        "der Untertitel ist länger als {limit:,} Zeichen"
    ),
    "no cue with text; delete the track instead": (
        "kein Untertitel mit Text; löschen Sie stattdessen die Spur"
    ),
    "expected a timing line such as 00:00:01,000 --> 00:00:04,000": (
        "erwartet wird eine Zeitzeile wie 00:00:01,000 --> 00:00:04,000"
    ),
    "malformed timing line": "fehlerhafte Zeitzeile",
    # uploads (tus headers) and payments
    "The file is empty": "Die Datei ist leer",
    "{name} must be a non-negative integer": "{name} muss eine nicht negative ganze Zahl sein",
    "Upload-Metadata is malformed": "Upload-Metadata ist fehlerhaft",
    "Upload-Metadata is not valid base64": "Upload-Metadata ist kein gültiges Base64",
    "Checksum algorithm {algorithm!r} is not supported": (
        "Der Prüfsummen-Algorithmus {algorithm!r} wird nicht unterstützt"
    ),
    "Upload-Checksum is not valid base64": "Upload-Checksum ist kein gültiges Base64",
    "Upload-Defer-Length is not supported; send Upload-Length": (
        "Upload-Defer-Length wird nicht unterstützt; senden Sie Upload-Length"
    ),
    "Stripe is not configured.": "Stripe ist nicht eingerichtet.",
}
