"""Robot variables: the boundary rows of dtulab/contract/usr721.toml (dtulab/contract).

``CONTRACT_REFUSED``: one past each end of every range (ERROR, nothing changes);
``CONTRACT_ACCEPTED``: each end (OK).
"""

from dtulab.contract import boundary_rows, load

_ROWS = boundary_rows(load())
CONTRACT_REFUSED = [line for _, line, want in _ROWS if want == "ERROR"]
CONTRACT_ACCEPTED = [line for _, line, want in _ROWS if want == "OK"]
