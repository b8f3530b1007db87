namespace ksight::agent {}
