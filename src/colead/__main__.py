from colead.cli import main

main()
