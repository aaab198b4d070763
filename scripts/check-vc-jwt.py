#!/usr/bin/env python3
"""Verifies VC-JWTs with an implementation independent of Pathways (PyJWT over pyca/cryptography).

    python3 scripts/check-vc-jwt.py CASES.json

CASES.json is a list of {"jwt": "...", "jwk": {...public JWK...}, "expect": "valid" | "invalid"}. For each case the
token is verified with the JWK's algorithm only (EdDSA or RS256); a valid case must also carry the Open Badges 3.0
claims (iss, jti, sub, nbf) and agree with the credential inside. Prints one line per case, exits 1 on any case
that does not come out as expected.
"""
import json
import sys

import jwt


def check(case):
    key = jwt.PyJWK(case["jwk"])
    try:
        claims = jwt.decode(case["jwt"], key=key, algorithms=[case["jwk"]["alg"]],
                            options={"require": ["iss", "jti", "sub", "nbf"], "verify_aud": False})
    except jwt.PyJWTError as error:
        return False, f"{type(error).__name__}: {error}"
    credential = claims.get("vc", claims)
    issuer = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else credential["issuer"]
    problems = []
    if claims["iss"] != issuer:
        problems.append("iss differs from issuer.id")
    if claims["jti"] != credential["id"]:
        problems.append("jti differs from id")
    if claims["sub"] != credential["credentialSubject"]["id"]:
        problems.append("sub differs from credentialSubject.id")
    if "OpenBadgeCredential" not in credential["type"]:
        problems.append("not an OpenBadgeCredential")
    header = jwt.get_unverified_header(case["jwt"])
    if header.get("kid") != case["jwk"]["kid"]:
        problems.append("kid differs from the key's")
    return not problems, "; ".join(problems) or f"{header['alg']} signature and claims verified"


def main():
    cases = json.load(open(sys.argv[1]))
    failed = 0
    for i, case in enumerate(cases):
        ok, detail = check(case)
        expected = case.get("expect", "valid") == "valid"
        mark = "ok" if ok == expected else "UNEXPECTED"
        failed += ok != expected
        print(f"{mark:10} case {i} ({case['jwk']['alg']}, expected {case.get('expect', 'valid')}): {detail}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
