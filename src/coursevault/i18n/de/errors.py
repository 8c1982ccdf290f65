"""German error messages and account answers, keyed by their English templates."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # the base
    "Not found": "Nicht gefunden.",
    "The database does not answer; retry later.": (
        "Die Datenbank antwortet nicht; bitte versuchen Sie es später erneut."
    ),
    "The server is out of disk space, so nothing was saved. Retry later.": (
        "Der Server hat keinen Speicherplatz mehr, daher wurde nichts gespeichert. Bitte "
        "versuchen Sie es später erneut."
    ),
    "Something went wrong on our side.": "Bei uns ist etwas schiefgelaufen.",
    # accounts and sessions
    "the request comes from an untrusted origin": "die Anfrage kommt von einer fremden Seite",
    "the {header} header is missing or does not match": (
        "der Header {header} fehlt oder passt nicht"
    ),
    "This needs the {role} role.": "Dafür brauchen Sie die Rolle {role}.",
    "You do not have permission to do this.": "Dazu sind Sie nicht berechtigt.",
    "Email or password is incorrect.": "E-Mail-Adresse oder Passwort ist falsch.",
    "Sign in to continue.": "Bitte melden Sie sich an, um fortzufahren.",
    "Your session is invalid or has expired.": "Ihre Sitzung ist ungültig oder abgelaufen.",
    "This session was refreshed by another request a moment ago; use the newer tokens.": (
        "Diese Sitzung wurde gerade von einer anderen Anfrage erneuert; verwenden Sie die "
        "neueren Tokens."
    ),
    "This sign-in was used twice, so it has been ended everywhere. Please sign in again.": (
        "Diese Anmeldung wurde zweimal verwendet und deshalb überall beendet. Bitte melden "
        "Sie sich erneut an."
    ),
    "Request refused: {reason}.": "Anfrage abgelehnt: {reason}.",
    "An account with this email already exists.": (
        "Für diese E-Mail-Adresse gibt es bereits ein Konto."
    ),
    "Too many failed sign-ins. Try again in {seconds} seconds.": (
        "Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in {seconds} Sekunden erneut."
    ),
    "No such user.": "Dieses Konto gibt es nicht.",
    "Ask another admin to change your own role.": (
        "Bitten Sie eine andere Administratorin oder einen anderen Administrator, Ihre eigene "
        "Rolle zu ändern."
    ),
    "This link is invalid, was already used or has expired. Ask for a new one.": (
        "Dieser Link ist ungültig, wurde bereits verwendet oder ist abgelaufen. Fordern Sie "
        "einen neuen an."
    ),
    "Your email address is already confirmed.": "Ihre E-Mail-Adresse ist bereits bestätigt.",
    "This site sends no email; ask an administrator for help.": (
        "Diese Website verschickt keine E-Mails; wenden Sie sich an die Administration."
    ),
    "Instructor sign-up is closed; ask an administrator.": (
        "Die Registrierung als Kursleitung ist geschlossen; wenden Sie sich an die Administration."
    ),
    "Password must be at most {limit} bytes": "Das Passwort darf höchstens {limit} Byte lang sein",
    "Password must be at least {length} characters": (
        "Das Passwort muss mindestens {length} Zeichen lang sein"
    ),
    "This password is on the lists of leaked and well-known passwords that attackers try "
    "first; choose another, such as a few unrelated words": (
        "Dieses Passwort steht auf den Listen geleakter und bekannter Passwörter, die "
        "Angreifer zuerst ausprobieren; wählen Sie ein anderes, etwa ein paar Wörter ohne "
        "Zusammenhang"
    ),
    "This password is a common word with a few digits or symbols added (like Summer2026!), "
    "which attackers try first; choose another, such as a few unrelated words": (
        "Dieses Passwort ist ein gängiges Wort mit ein paar angehängten Ziffern oder Zeichen "
        "(wie Sommer2026!), das Angreifer zuerst ausprobieren; wählen Sie ein anderes, etwa "
        "ein paar Wörter ohne Zusammenhang"
    ),
    "This password is too common or too easy to guess; try a few unrelated words or a "
    "longer phrase": (
        "Dieses Passwort ist zu verbreitet oder zu leicht zu erraten; versuchen Sie ein paar "
        "Wörter ohne Zusammenhang oder einen längeren Satz"
    ),
    "Thanks! If this address is new, your account is ready and a confirmation link is on "
    "its way; if it already has an account, we emailed its owner.": (
        "Danke! Ist diese Adresse neu, ist Ihr Konto eingerichtet und ein Bestätigungslink "
        "unterwegs; gibt es für sie schon ein Konto, haben wir dessen Inhaber benachrichtigt."
    ),
    "A new confirmation link is on its way to {email}.": (
        "Ein neuer Bestätigungslink ist unterwegs an {email}."
    ),
    "If an account uses this address, a link to choose a new password is on its way. It "
    "works once, for a limited time.": (
        "Falls ein Konto diese Adresse verwendet, ist ein Link zum Festlegen eines neuen "
        "Passworts unterwegs. Er funktioniert einmal und nur für begrenzte Zeit."
    ),
    # courses, lessons, progress and certificates
    "change it": "ihn ändern",
    "No such course.": "Diesen Kurs gibt es nicht.",
    "No such lesson.": "Diese Lektion gibt es nicht.",
    "No such section in this course.": "Diesen Abschnitt gibt es in diesem Kurs nicht.",
    "Only this course's instructor can {action}.": (
        "Nur die Kursleitung dieses Kurses kann {action}."
    ),
    "Enroll in this course to watch this lesson.": (
        "Schreiben Sie sich in diesen Kurs ein, um diese Lektion anzusehen."
    ),
    "Could not find a free address for this title.": (
        "Für diesen Titel wurde keine freie Adresse gefunden."
    ),
    "Unpublish the course before deleting it.": (
        "Nehmen Sie den Kurs zuerst offline, bevor Sie ihn löschen."
    ),
    "Students are enrolled in this course.": "In diesem Kurs sind Teilnehmende eingeschrieben.",
    "The course changed while saving; try again.": (
        "Der Kurs wurde beim Speichern geändert; bitte versuchen Sie es erneut."
    ),
    "A published course keeps at least one lesson.": (
        "Ein veröffentlichter Kurs behält mindestens eine Lektion."
    ),
    "Choose one of the course instructor's own videos.": (
        "Wählen Sie eines der eigenen Videos der Kursleitung."
    ),
    "A published course can only use videos that are ready.": (
        "Ein veröffentlichter Kurs kann nur fertige Videos verwenden."
    ),
    "Lessons use this video: remove them first.": (
        "Lektionen verwenden dieses Video: Entfernen Sie diese zuerst."
    ),
    "This lesson opens on {when:%d %B %Y at %H:%M} UTC.": (
        "Diese Lektion wird am {when:%-d. %B %Y um %H:%M} Uhr UTC freigeschaltet."
    ),
    "This lesson opens once you pass the quiz before it.": (
        "Diese Lektion wird freigeschaltet, sobald Sie das Quiz davor bestanden haben."
    ),
    "A video with checkpoints plays in one lesson only: another lesson would open what the "
    "checkpoints hold back. Upload it again for the other lesson.": (
        "Ein Video mit Kontrollfragen läuft nur in einer Lektion: Eine andere Lektion würde "
        "freigeben, was die Kontrollfragen zurückhalten. Laden Sie es für die andere Lektion "
        "erneut hoch."
    ),
    "This account is not enrolled here.": "Dieses Konto ist hier nicht eingeschrieben.",
    "The image is larger than {mib} MiB.": "Das Bild ist größer als {mib} MiB.",
    "A video lesson is completed by watching it; it cannot be marked as done.": (
        "Eine Videolektion gilt durch Ansehen als abgeschlossen; sie kann nicht als erledigt "
        "markiert werden."
    ),
    "Complete every lesson first: {done} of {total} done.": (
        "Schließen Sie zuerst alle Lektionen ab: {done} von {total} erledigt."
    ),
    "Pass the course's required quizzes first: {missing} to go.": (
        "Bestehen Sie zuerst die Pflicht-Quizze des Kurses: noch {missing} offen."
    ),
    "Your quiz scores do not pass this course yet.": (
        "Ihre Quiz-Ergebnisse reichen für diesen Kurs noch nicht aus."
    ),
    "No such certificate.": "Dieses Zertifikat gibt es nicht.",
    # captions
    "A caption file may hold at most {kib} KiB.": (
        "Eine Untertiteldatei darf höchstens {kib} KiB groß sein."
    ),
    "{value!r} is not a language tag; use one such as en, de, pt-BR or zh-Hant.": (
        "{value!r} ist kein Sprachcode; verwenden Sie etwa en, de, pt-BR oder zh-Hant."
    ),
    "This video has no captions in that language.": (
        "Dieses Video hat keine Untertitel in dieser Sprache."
    ),
    "A video may have captions in at most {limit} languages; delete one first.": (
        "Ein Video kann Untertitel in höchstens {limit} Sprachen haben; löschen Sie zuerst "
        "eine davon."
    ),
    # videos and uploads
    "No such video.": "Dieses Video gibt es nicht.",
    "No such upload, or it has expired.": "Diesen Upload gibt es nicht, oder er ist abgelaufen.",
    "Send Tus-Resumable: 1.0.0.": "Senden Sie Tus-Resumable: 1.0.0.",
    "The upload is at byte {expected}; resume from there.": (
        "Der Upload steht bei Byte {expected}; setzen Sie ihn dort fort."
    ),
    "The file is larger than the limit of {limit:,} bytes.": (
        "Die Datei ist größer als die Grenze von {limit:,} Byte."
    ),
    "This upload would exceed your storage quota of {limit:,} bytes.": (
        "Dieser Upload würde Ihr Speicherkontingent von {limit:,} Byte überschreiten."
    ),
    "Finish one of your {limit} running uploads first.": (
        "Schließen Sie zuerst einen Ihrer {limit} laufenden Uploads ab."
    ),
    "Send chunks as application/offset+octet-stream.": (
        "Senden Sie die Teile als application/offset+octet-stream."
    ),
    "Another request is writing to this upload.": (
        "Eine andere Anfrage schreibt gerade in diesen Upload."
    ),
    "The chunk does not match its Upload-Checksum.": (
        "Das Teilstück passt nicht zu seiner Upload-Checksum."
    ),
    "The video is {status}; it takes no upload now.": (
        "Das Video ist im Zustand „{status}“ und nimmt jetzt keinen Upload an."
    ),
    "This video is still being prepared.": "Dieses Video wird noch vorbereitet.",
    "The server is short of disk space, so uploads are paused. What arrived is kept: resume "
    "later, or ask the site's administrator to free space.": (
        "Der Server hat zu wenig Speicherplatz, daher sind Uploads angehalten. Was bereits "
        "angekommen ist, bleibt erhalten: Setzen Sie den Upload später fort oder bitten Sie "
        "die Administration, Platz zu schaffen."
    ),
    "The server's disk is full, so nothing was saved. Retry later, or ask the site's "
    "administrator to free space.": (
        "Der Speicher des Servers ist voll, daher wurde nichts gespeichert. Versuchen Sie es "
        "später erneut oder bitten Sie die Administration, Platz zu schaffen."
    ),
    # forensic watermark
    "The file is not a video this server can decode.": (
        "Die Datei ist kein Video, das dieser Server lesen kann."
    ),
    "This video has no forensic variants: only sessions of a watermarked course can be traced.": (
        "Dieses Video hat keine forensischen Varianten: Nur Sitzungen eines Kurses mit "
        "Wasserzeichen lassen sich zurückverfolgen."
    ),
    "Your protected copy of this video is being prepared; playback starts when it is ready.": (
        "Ihre geschützte Kopie dieses Videos wird vorbereitet; die Wiedergabe beginnt, sobald "
        "sie fertig ist."
    ),
    "The protected copy of this video could not be prepared. Ask the course's instructor to "
    "save the course's watermark setting again.": (
        "Die geschützte Kopie dieses Videos konnte nicht vorbereitet werden. Bitten Sie die "
        "Kursleitung, die Wasserzeichen-Einstellung des Kurses erneut zu speichern."
    ),
    # quizzes and checkpoints
    "This quiz does not exist.": "Dieses Quiz gibt es nicht.",
    "This attempt does not exist.": "Diesen Versuch gibt es nicht.",
    "This question is not in the attempt.": "Diese Frage gehört nicht zu diesem Versuch.",
    "This attempt was already submitted.": "Dieser Versuch wurde bereits abgegeben.",
    "The time for this attempt is up; it was graded with the answers saved in time.": (
        "Die Zeit für diesen Versuch ist abgelaufen; er wurde mit den rechtzeitig "
        "gespeicherten Antworten bewertet."
    ),
    "You have used the {allowed} attempt(s) this quiz allows.": (
        "Sie haben die erlaubten Versuche dieses Quiz aufgebraucht ({allowed})."
    ),
    "This attempt kept changing while it was saved; try again.": (
        "Dieser Versuch hat sich beim Speichern laufend geändert; bitte versuchen Sie es erneut."
    ),
    "This question was answered and its answer shown; it cannot be changed in this attempt.": (
        "Diese Frage wurde beantwortet und die Lösung angezeigt; in diesem Versuch lässt sie "
        "sich nicht mehr ändern."
    ),
    "A quiz lesson is completed by passing its quiz; it cannot be marked as done.": (
        "Eine Quiz-Lektion gilt durch Bestehen des Quiz als abgeschlossen; sie kann nicht als "
        "erledigt markiert werden."
    ),
    "Answer the question at this point of the lesson to watch on.": (
        "Beantworten Sie die Frage an dieser Stelle der Lektion, um weiterzuschauen."
    ),
    "Someone saved this quiz's questions after you opened them; reload and edit again.": (
        "Jemand hat die Fragen dieses Quiz gespeichert, nachdem Sie sie geöffnet hatten; "
        "laden Sie neu und bearbeiten Sie sie erneut."
    ),
    # playback
    "You are already watching on as many devices as this course allows. End one of them to "
    "watch here.": (
        "Sie schauen bereits auf so vielen Geräten, wie dieser Kurs erlaubt. Beenden Sie eine "
        "Wiedergabe, um hier zu schauen."
    ),
    "You have played this lesson the {limit} times this course allows. Ask the instructor "
    "for more plays.": (
        "Sie haben diese Lektion so oft abgespielt, wie dieser Kurs erlaubt ({limit}-mal). "
        "Bitten Sie die Kursleitung um weitere Wiedergaben."
    ),
    "This playback session has ended; start again.": (
        "Diese Wiedergabe wurde beendet; starten Sie sie erneut."
    ),
    "This playback session is not active.": "Diese Wiedergabe ist nicht aktiv.",
    "This link is invalid or has expired.": "Dieser Link ist ungültig oder abgelaufen.",
    "This lesson has no video.": "Diese Lektion hat kein Video.",
    "This student is not enrolled in the course.": (
        "Diese Person ist nicht in den Kurs eingeschrieben."
    ),
    "Keys were requested faster than playback could use them.": (
        "Schlüssel wurden schneller angefordert, als die Wiedergabe sie brauchen konnte."
    ),
    "Playback was started too often in a short time; try again in {seconds} s.": (
        "Die Wiedergabe wurde in kurzer Zeit zu oft gestartet; versuchen Sie es in {seconds} s "
        "erneut."
    ),
    # payments
    "Payments are not set up on this site yet.": (
        "Zahlungen sind auf dieser Website noch nicht eingerichtet."
    ),
    "a gift": "ein Geschenk",
    "a seat": "ein Platz",
    "No such order.": "Diese Bestellung gibt es nicht.",
    "This course is free: enroll instead.": (
        "Dieser Kurs ist kostenlos: Schreiben Sie sich einfach ein."
    ),
    "This site sends no email, so {sold} could not reach anyone.": (
        "Diese Website verschickt keine E-Mails, daher könnte {sold} niemanden erreichen."
    ),
    "You already have this course.": "Sie haben diesen Kurs bereits.",
    "This course is paid: check out first.": (
        "Dieser Kurs ist kostenpflichtig: Schließen Sie zuerst den Kauf ab."
    ),
    "This coupon does not apply to this course.": "Dieser Gutschein gilt nicht für diesen Kurs.",
    "This coupon has expired or is used up.": (
        "Dieser Gutschein ist abgelaufen oder aufgebraucht."
    ),
    "A coupon with this code already exists.": "Einen Gutschein mit diesem Code gibt es bereits.",
    "Only admins can create site-wide coupons.": (
        "Nur die Administration kann Gutscheine für die ganze Website anlegen."
    ),
    "This order is not paid through the test checkout.": (
        "Diese Bestellung wird nicht über die Testkasse bezahlt."
    ),
    "This test payment was already settled.": "Diese Testzahlung wurde bereits abgeschlossen.",
    "An order that is {state} cannot be refunded.": (
        "Eine Bestellung im Zustand „{state}“ kann nicht erstattet werden."
    ),
    "Instructors can refund within {days} days; ask an admin.": (
        "Die Kursleitung kann innerhalb von {days} Tagen erstatten; wenden Sie sich an die "
        "Administration."
    ),
    "The payment provider did not answer as expected.": (
        "Der Zahlungsanbieter hat nicht wie erwartet geantwortet."
    ),
    # memberships
    "No such membership plan.": "Diesen Mitgliedschaftsplan gibt es nicht.",
    "No such membership.": "Diese Mitgliedschaft gibt es nicht.",
    "Only admins can make a plan of all courses.": (
        "Nur die Administration kann einen Plan mit allen Kursen anlegen."
    ),
    "A plan can only hold courses that exist (and, for an instructor, their own).": (
        "Ein Plan kann nur vorhandene Kurse enthalten (und für eine Kursleitung nur die eigenen)."
    ),
    "This plan has had members: make it inactive instead of deleting it.": (
        "Dieser Plan hatte schon Mitglieder: Deaktivieren Sie ihn, statt ihn zu löschen."
    ),
    "This plan has no {interval}ly price.": (
        "Dieser Plan hat keinen Preis für die Laufzeit „{interval}“."
    ),
    "You are already a member of this plan.": "Sie sind bereits Mitglied dieses Plans.",
    "A card (payment_method) is needed to subscribe.": (
        "Für ein Abonnement wird eine Karte (payment_method) benötigt."
    ),
    "The card was declined; nothing was charged.": (
        "Die Karte wurde abgelehnt; es wurde nichts abgebucht."
    ),
    "This membership has ended or has not started.": (
        "Diese Mitgliedschaft ist beendet oder hat noch nicht begonnen."
    ),
    "This membership is not paid through the test checkout.": (
        "Diese Mitgliedschaft wird nicht über die Testkasse bezahlt."
    ),
    "A test subscription that is {status} cannot do {action}.": (
        "Ein Test-Abonnement im Zustand „{status}“ kann „{action}“ nicht ausführen."
    ),
    "The membership changed while it was updated; try again.": (
        "Die Mitgliedschaft hat sich beim Aktualisieren geändert; bitte versuchen Sie es erneut."
    ),
    # bundles, gifts and team seats
    "No such bundle.": "Dieses Paket gibt es nicht.",
    "These courses cannot be sold as one bundle.": (
        "Diese Kurse können nicht als ein Paket verkauft werden."
    ),
    "You already have every course of it.": "Sie haben bereits alle Kurse daraus.",
    "No such gift: check the link.": "Dieses Geschenk gibt es nicht: Prüfen Sie den Link.",
    "This gift has already been claimed.": "Dieses Geschenk wurde bereits eingelöst.",
    "This gift was refunded (or its payment is in dispute).": (
        "Dieses Geschenk wurde erstattet (oder seine Zahlung wird angefochten)."
    ),
    "You already have this course; the gift stays unclaimed for someone else.": (
        "Sie haben diesen Kurs bereits; das Geschenk bleibt für jemand anderen offen."
    ),
    "No such team.": "Dieses Team gibt es nicht.",
    "No such seat: check the link.": "Diesen Platz gibt es nicht: Prüfen Sie den Link.",
    "Every seat is taken: release one or buy more.": (
        "Alle Plätze sind vergeben: Geben Sie einen frei oder kaufen Sie weitere."
    ),
    "This address already has a seat.": "Diese Adresse hat bereits einen Platz.",
    "This seat is for another address: sign in with the address the link was sent to.": (
        "Dieser Platz ist für eine andere Adresse: Melden Sie sich mit der Adresse an, an die "
        "der Link ging."
    ),
    "Another account claimed this seat.": "Ein anderes Konto hat diesen Platz eingelöst.",
    "This seat was released or given to someone else.": (
        "Dieser Platz wurde freigegeben oder an jemand anderen vergeben."
    ),
    "The seat changed while it was being moved; reload and try again.": (
        "Der Platz hat sich beim Verschieben geändert; laden Sie neu und versuchen Sie es erneut."
    ),
}
