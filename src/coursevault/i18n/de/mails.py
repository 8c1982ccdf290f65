"""German mail and certificate text, keyed by the English templates."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # every mail
    "Or open this address:": "Oder öffnen Sie diese Adresse:",
    "Hello {name},": "Hallo {name},",
    "Hello,": "Hallo,",
    # accounts
    "{count} minutes": "{count} Minuten",
    "{count} hours": "{count} Stunden",
    "{count} days": "{count} Tage",
    "Confirm your email address": "Bestätigen Sie Ihre E-Mail-Adresse",
    "Please confirm that this is your address for CourseVault.": (
        "Bitte bestätigen Sie, dass dies Ihre Adresse für CourseVault ist."
    ),
    "Confirm my address": "Meine Adresse bestätigen",
    "The link works once, for {duration}.": "Der Link funktioniert einmal, {duration} lang.",
    "If you did not create an account, ignore this message.": (
        "Wenn Sie kein Konto angelegt haben, ignorieren Sie diese Nachricht."
    ),
    "Reset your password": "Setzen Sie Ihr Passwort zurück",
    "Someone (hopefully you) asked to reset the password of your account.": (
        "Jemand (hoffentlich Sie) hat darum gebeten, das Passwort Ihres Kontos zurückzusetzen."
    ),
    "Choose a new password": "Neues Passwort wählen",
    "The link works once, for {duration}. Setting a new password signs you out everywhere.": (
        "Der Link funktioniert einmal, {duration} lang. Mit einem neuen Passwort werden Sie "
        "überall abgemeldet."
    ),
    "If you did not ask for this, ignore this message: your password stays as it is.": (
        "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht: Ihr Passwort "
        "bleibt unverändert."
    ),
    "Someone tried to sign up with your address": (
        "Jemand wollte sich mit Ihrer Adresse registrieren"
    ),
    "Someone tried to create a CourseVault account with this address, which already has "
    "one. No new account was created.": (
        "Jemand wollte mit dieser Adresse ein CourseVault-Konto anlegen, obwohl es dafür "
        "schon eines gibt. Es wurde kein neues Konto angelegt."
    ),
    "If it was you, sign in instead; if you forgot your password, reset it.": (
        "Waren Sie das, melden Sie sich stattdessen an; haben Sie Ihr Passwort vergessen, "
        "setzen Sie es zurück."
    ),
    "Reset my password": "Mein Passwort zurücksetzen",
    # videos
    "“{title}” is ready": "„{title}“ ist fertig",
    "“{title}” could not be processed": "„{title}“ konnte nicht verarbeitet werden",
    "Your video “{title}” is encoded and can be used in your lessons.": (
        "Ihr Video „{title}“ ist umgewandelt und kann in Ihren Lektionen verwendet werden."
    ),
    "We could not turn your upload “{title}” into a playable video.": (
        "Wir konnten Ihren Upload „{title}“ nicht in ein abspielbares Video umwandeln."
    ),
    "Reason: {error}": "Grund: {error}",
    "Upload the file again, or export it again from your editor (H.264 or H.265 MP4 works "
    "best), then upload it.": (
        "Laden Sie die Datei erneut hoch, oder exportieren Sie sie noch einmal aus Ihrem "
        "Schnittprogramm (am besten als H.264- oder H.265-MP4) und laden Sie sie dann hoch."
    ),
    "Open the studio": "Studio öffnen",
    # receipts and refunds
    "{major:,}.{minor:02d} {currency}": "{major:,},{minor:02d} {currency}",
    "{amount:,} {currency}": "{amount:,} {currency}",
    "Course: {title}": "Kurs: {title}",
    "Bundle: {title} ({count} courses)": "Paket: {title} ({count} Kurse)",
    "Gift: {title}": "Geschenk: {title}",
    "For: {email}": "Für: {email}",
    "Seats: {quantity} × {title}": "Plätze: {quantity} × {title}",
    "Order: {order}": "Bestellung: {order}",
    "Amount: {amount}": "Betrag: {amount}",
    "Coupon {code} (list price {listed})": "Gutschein {code} (Listenpreis {listed})",
    "Thank you for your purchase. You can start learning now.": (
        "Vielen Dank für Ihren Kauf. Sie können sofort mit dem Lernen beginnen."
    ),
    "Thank you for your purchase. Every course of the bundle is open to you now.": (
        "Vielen Dank für Ihren Kauf. Alle Kurse des Pakets stehen Ihnen jetzt offen."
    ),
    "Thank you for your gift. We have mailed its recipient a link to claim it.": (
        "Vielen Dank für Ihr Geschenk. Wir haben der beschenkten Person einen Link zum "
        "Einlösen geschickt."
    ),
    "Thank you for your purchase. Hand the seats out to your team by email.": (
        "Vielen Dank für Ihren Kauf. Verteilen Sie die Plätze per E-Mail an Ihr Team."
    ),
    "Open the course": "Kurs öffnen",
    "Open my courses": "Meine Kurse öffnen",
    "See my gifts": "Meine Geschenke ansehen",
    "Manage the seats": "Plätze verwalten",
    "Your receipt for {title}": "Ihre Quittung für {title}",
    "Your refund for {title}": "Ihre Erstattung für {title}",
    "Access to the course has ended.": "Der Zugang zum Kurs ist beendet.",
    "Access to the bundle's courses has ended.": "Der Zugang zu den Kursen des Pakets ist beendet.",
    "The gift can no longer be claimed (or, if it was, its access has ended).": (
        "Das Geschenk kann nicht mehr eingelöst werden (oder, falls es eingelöst wurde, ist "
        "der Zugang beendet)."
    ),
    "These seats are no longer available to your team.": (
        "Diese Plätze stehen Ihrem Team nicht mehr zur Verfügung."
    ),
    "Your order was refunded; the money goes back to your original payment method (your "
    "bank may take a few days to show it). {ended}": (
        "Ihre Bestellung wurde erstattet; das Geld geht an Ihr ursprüngliches Zahlungsmittel "
        "zurück (Ihre Bank zeigt es eventuell erst nach einigen Tagen an). {ended}"
    ),
    # memberships
    "monthly": "monatlich",
    "yearly": "jährlich",
    "Plan: {plan} ({interval})": "Plan: {plan} ({interval})",
    "Invoice: {invoice}": "Rechnung: {invoice}",
    "Thank you: your membership is paid.": "Vielen Dank: Ihre Mitgliedschaft ist bezahlt.",
    "Paid through: {end:%Y-%m-%d}": "Bezahlt bis: {end:%d.%m.%Y}",
    "Your memberships": "Ihre Mitgliedschaften",
    "Your payment for {title} failed": "Ihre Zahlung für {title} ist fehlgeschlagen",
    "We could not take the payment for your membership. Your courses stay open until "
    "{until:%Y-%m-%d %H:%M} UTC; update your card before then to keep them.": (
        "Wir konnten die Zahlung für Ihre Mitgliedschaft nicht einziehen. Ihre Kurse bleiben "
        "bis {until:%d.%m.%Y %H:%M} Uhr UTC geöffnet; aktualisieren Sie vorher Ihre Karte, um "
        "sie zu behalten."
    ),
    # gifts and seats
    "“{title}”, a course on CourseVault": "„{title}“, einen Kurs auf CourseVault",
    "{name} has given you {given}.": "{name} schenkt Ihnen {given}.",
    "You have been given {given}.": "Sie haben {given} geschenkt bekommen.",
    "Their message:": "Die Nachricht dazu:",
    "A gift for you: {title}": "Ein Geschenk für Sie: {title}",
    "Claim the course": "Kurs einlösen",
    "Sign in (or create an account) to claim it. The link works for one account.": (
        "Melden Sie sich an (oder legen Sie ein Konto an), um es einzulösen. Der Link gilt "
        "für ein Konto."
    ),
    "If you were not expecting a gift, you can ignore this message.": (
        "Wenn Sie kein Geschenk erwartet haben, können Sie diese Nachricht ignorieren."
    ),
    "a seat for “{title}”, a course on CourseVault": (
        "einen Platz für „{title}“, einen Kurs auf CourseVault"
    ),
    "{name} ({email}) has given you {given}.": "{name} ({email}) hat Ihnen {given} gegeben.",
    "Your seat for {title}": "Ihr Platz für {title}",
    "Sign in (or create an account) with this address, {email}, then claim it.": (
        "Melden Sie sich mit dieser Adresse, {email}, an (oder legen Sie damit ein Konto an) "
        "und lösen Sie den Platz dann ein."
    ),
    "Claim my seat": "Meinen Platz einlösen",
    "If you were not expecting this, you can ignore this message.": (
        "Wenn Sie das nicht erwartet haben, können Sie diese Nachricht ignorieren."
    ),
    # the certificate and its public page
    "Certificate: {title}": "Zertifikat: {title}",
    "CERTIFICATE OF COMPLETION": "ABSCHLUSSZERTIFIKAT",
    "This certifies that": "Hiermit wird bestätigt, dass",
    "has completed the course": "den Kurs",
    "taught by {name}": "unter der Leitung von {name}",
    "on {date:%d %B %Y}": "am {date:%-d. %B %Y} abgeschlossen hat.",
    "with a score of {score:g} %": "Ergebnis: {score:g} %",
    "Verify this certificate: {url}": "Dieses Zertifikat prüfen: {url}",
    "Verified by CourseVault": "Von CourseVault bestätigt",
    "completed “{course}”, taught by {teacher}, on {date:%d %B %Y}.": (
        "hat den Kurs „{course}“ unter der Leitung von {teacher} am {date:%-d. %B %Y} "
        "abgeschlossen."
    ),
}
