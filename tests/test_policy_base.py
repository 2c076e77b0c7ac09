"""model/policies/base.py: Candidates, the rows an operation keeps from day to day instead of scanning all rows."""
from __future__ import annotations

import numpy as np

from crisisflow.model.codes import AgentType
from crisisflow.model.policies.base import Candidates
from crisisflow.model.population import Population


def migrants() -> Candidates:
    return Candidates(lambda pop, new: pop.agent_type[new] == AgentType.MIGRANT)


def test_rows_added_later_are_scanned_once_and_appended_in_order():
    pop = Population(capacity=4)
    pop.add(3, agent_type=np.array([AgentType.MIGRANT, AgentType.IDP, AgentType.MIGRANT], dtype=np.int8))
    watch = migrants()
    assert watch.update(pop).tolist() == [0, 2]
    pop.add(2, agent_type=np.array([AgentType.MIGRANT, AgentType.IDP], dtype=np.int8))  # grows the arrays
    assert watch.update(pop).tolist() == [0, 2, 3]
    assert watch.update(pop).tolist() == [0, 2, 3]  # nothing new: nothing appended twice


def test_rows_dropped_stay_dropped_and_the_rest_keep_their_order():
    pop = Population()
    pop.add(5, agent_type=AgentType.MIGRANT)
    watch = migrants()
    rows = watch.update(pop)
    assert watch.keep(rows != 1).tolist() == [0, 2, 3, 4]
    pop.add(1, agent_type=AgentType.MIGRANT)
    assert watch.update(pop).tolist() == [0, 2, 3, 4, 5]


def test_a_row_edited_through_its_mesa_agent_is_scanned_again():
    pop = Population()
    pop.add(4, agent_type=AgentType.MIGRANT, has_documents=True)
    undocumented = Candidates(lambda pop, rows: ~pop.has_documents[rows])
    assert undocumented.update(pop).tolist() == []
    pop.has_documents[2] = False  # a change made the way the Mesa face makes it
    pop.note_edit(2)
    pop.add(1, agent_type=AgentType.MIGRANT, has_documents=False)
    assert undocumented.update(pop).tolist() == [2, 4]
    assert undocumented.update(pop).tolist() == [2, 4]  # each edit is looked at once
