"""Web views: the residents' portal (`public`) and the staff workbench (`staff`)."""
