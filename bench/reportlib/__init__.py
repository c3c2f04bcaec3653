"""bench/reportlib - the code of bench/report.py, split by concern.

    common     constants and number formatting
    load       results.csv (current and older headers), meta.json, series,
               variants and their statistics
    tables     Markdown tables: machine, how to read, per-workload tables,
               ratios, checks
    figures    line and bar figures, the main (default policy, per family)
               and appendix (every policy) figures
    verdicts   goals (oversubscription, context switches, shared locks,
               timed / cond) and the comparison with MCS'91
    document   Report: the mixins above and REPORT.md's section order

bench/report_grading.py (the grading table) is imported by document and
verdicts as a top-level module: bench/ must be on sys.path, as it is when
bench/report.py runs.
"""
