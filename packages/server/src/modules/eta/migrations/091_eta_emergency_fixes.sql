-- Emergency driving (issue 16): an AVL fix may say the unit drove with lights and siren on
-- (null: the device did not say). The learning keeps such traversals, and those of units sent to
-- an urgent incident between the dispatch and their on-scene report, as the `emergency` profile
-- of eta_edge_observations. Added to the partitioned parent, so every month's partition has it.
alter table unit_positions add column emergency boolean;
