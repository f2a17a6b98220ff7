"""The ``autonode`` console command: one module per subcommand."""
