"""The script language and the mini-notation inside its pattern literals."""
