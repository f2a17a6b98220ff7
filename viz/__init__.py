"""viz: backprop graphs and networks rendered to SVG with graphviz; plots."""
