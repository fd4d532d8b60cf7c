"""What changes write and who hears of it: the event log, deal history and notifications."""
