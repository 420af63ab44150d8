from assay_py.cli import main

main()
