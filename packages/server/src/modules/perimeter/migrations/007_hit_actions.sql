-- What a checkpoint did about a hit (stopped and checked, handed over, false alarm…), for the
-- daily report's "actions taken".
alter table hotlist_hits add column action_taken text;
