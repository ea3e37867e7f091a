"""The ground floor: the error tree, validators, time, labelled enums and careful file writing."""
