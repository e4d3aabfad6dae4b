"""Messages to members by SMS (Twilio) and e-mail (SMTP), through a transactional outbox."""
