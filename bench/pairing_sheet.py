#!/usr/bin/env python3
"""Writes a pairing-list CSV of N rows with valid, distinct credit codes, for the
import benchmark (bench/README.md). Usage: pairing_sheet.py N > sheet.csv"""
import random
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = [pow(3, i, 31) for i in range(17)]
GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
COUNTIES = ["530102", "530103", "530111", "530112", "530113", "530114", "530115", "530124",
            "530125", "530126", "530127", "530128", "530129", "530181", "530302", "530303",
            "530304", "530322", "530323", "530324", "530325", "530326", "530381", "530402"]


def gb11714(first8):
    total = sum(int(c, 36) * w for c, w in zip(first8, GB11714_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def gb32100(first17):
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code(n):
    org = "MJ%06d" % n
    first17 = "51530000" + org + gb11714(org)
    return first17 + gb32100(first17)


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rng = random.Random(42)
    out = sys.stdout
    out.write("组织名称,统一社会信用代码,县（市、区）,批次\r\n")
    for i in range(rows):
        # Two counties per organization: half as many organizations as rows.
        org = i // 2
        county = COUNTIES[(org + i % 2 * 7) % len(COUNTIES)]
        out.write("测试社会组织%05d,%s,%s,%d\r\n" % (org, credit_code(org), county, rng.randint(1, 3)))


if __name__ == "__main__":
    main()
