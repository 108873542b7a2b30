"""`python -m replay`: serve the carsensor replay site (`--help` for its options)."""

from replay.site import main

if __name__ == "__main__":
    main()
