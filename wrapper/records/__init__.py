"""What a run leaves behind: events, the journal, reports and merged reports."""
