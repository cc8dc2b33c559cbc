# DDSA paper Table 3 row (c): DSA + SSA (DDSA) with MSFN + SA (SEFN), the full model,
# i.e. configs/ddsa_rain13k.py unchanged (kept so that each row of the table has a file).
_base_ = ['../ddsa_rain13k.py']
