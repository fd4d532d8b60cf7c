"""Moving a workspace between databases: `dealflow export` writes one to a file (and its
attached files to a folder), `dealflow import` loads it into another database, empty or
beside other workspaces. `format` says what the file holds, `values` how one value is
written and checked, `reading` reads a file's lines, `exporting` and `importing` do the
work, `attachments` moves the files."""
