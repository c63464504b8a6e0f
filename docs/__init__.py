"""The project's documentation pages; the Markdown ones are installed as the package sim.docs
(setup.py maps this directory into the package) so that the HTML report can embed them."""
