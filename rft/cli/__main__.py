from rft.cli import main

main()
