// The organizer report page.
