"""Files on disk: render folders, snapshots, sessions and metadata."""
