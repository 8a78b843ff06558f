from phonemfa.cli import main

main()
