"""Fashion intelligence: image and text attributes, trends per segment, collection fit."""
