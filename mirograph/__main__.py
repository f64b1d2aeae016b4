from mirograph.cli import main

main()
