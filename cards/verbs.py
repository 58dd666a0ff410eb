"""Card verbs: stable strings shared by the card builders and the handlers' routers (listed in
bot/handlers/routing.py)."""

RECORD_CREATE = "record.create"
RUN_COMMAND = "command.run"  # a button that runs a text command as if typed: the answer is a new message
RECORD_SHOW = "record.show"  # also the card's refresh verb: each viewer gets their own view
RECORD_PEOPLE = "record.people"  # every participant or follower, when the card shows "and N more"
RECORD_FOLLOW = "record.follow"
RECORD_UNFOLLOW = "record.unfollow"  # on a private record: first the question whether to keep access
RECORD_OPEN = "record.open"  # a private record's post, for someone with access the refresh did not list
CONTACT_CREATE = "contact.create"
CONTACT_EDIT_FORM = "contact.edit_form"
CONTACT_SAVE = "contact.save"
CONTACT_ERASE = "contact.erase"
CONTACT_ERASE_CONFIRM = "contact.erase_confirm"
CONTACT_DELETE = "contact.delete"
CONTACT_MERGE_FORM = "contact.merge_form"
CONTACT_MERGE = "contact.merge"

# Buttons on the record card open these forms...
CONTACT_FORM = "record.contact_form"
PARTICIPANT_FORM = "record.participant_form"
REMOVE_PARTICIPANT_FORM = "record.remove_participant_form"
FOLLOWER_FORM = "record.follower_form"
COMMENT_FORM = "record.comment_form"
STAGE_FORM = "record.stage_form"
EMAIL_FORM = "record.email_form"
CONVERT_CONFIRM = "record.convert_confirm"
ROLES_FORM = "record.roles_form"  # "Set role" beside each person, and the no-decision-maker nudge
DETAILS_FORM = "record.details_form"
OWNER_FORM = "record.owner_form"
ARCHIVE_CONFIRM = "record.archive_confirm"
VISIBILITY_FORM = "record.visibility_form"  # who may see it, and sharing it

# ...whose buttons change the record.
SET_CONTACT = "record.set_contact"
SET_NEW_CONTACT = "record.set_new_contact"
ADD_PARTICIPANT = "record.add_participant"
ADD_NEW_PARTICIPANT = "record.add_new_participant"
REMOVE_PARTICIPANT = "record.remove_participant"
ADD_FOLLOWER = "record.add_follower"
COMMENT = "record.comment"
CHANGE_STAGE = "record.change_stage"
CONVERT = "record.convert"
SET_ROLES = "record.set_roles"
EDIT_DETAILS = "record.edit_details"
SET_OWNER = "record.set_owner"
ARCHIVE = "record.archive"
RESTORE = "record.restore"
SET_VISIBILITY = "record.set_visibility"
SHARE = "record.share"
SHARE_MENTIONED = "record.share_mentioned"  # a comment's @mentioned colleagues who may not see the record

CONTACTS_DATASET = "crm.contacts"  # our own typeahead dataset (application/search invoke)
PEOPLE_DATASET = "graph.microsoft.com/users"  # Teams' people picker
SEND_EMAIL = "record.send_email"  # with Microsoft Graph
PREPARE_EMAIL = "record.prepare_email"  # without: the mailto: link
LOG_EMAIL = "record.log_email"
EMAIL_CC_ROLE = "record.email_cc_role"  # the compose card again, CC ticked for the people of one role
# Meetings (bot/handlers/meeting_clicks.py): the form, with Graph or Teams' own scheduling, and the meeting after.
MEETING_FORM = "record.meeting_form"
MEETING_SUGGEST = "record.meeting_suggest"  # the form again, with the next free times
MEETING_CREATE = "record.meeting_create"  # through Microsoft Graph
MEETING_PREPARE = "record.meeting_prepare"  # without: Teams' deep link to a new meeting
MEETING_LOG = "record.meeting_log"  # ...then recorded on the timeline
MEETING_MOVE_FORM = "record.meeting_move_form"
MEETING_MOVE = "record.meeting_move"
MEETING_CANCEL = "record.meeting_cancel"
MEETING_RECAP = "record.meeting_recap"  # "How did it go?"
RECORD_NOTIFY = "record.notify"
NOTIFICATION_RETRY = "notification.retry"

# The message extension's contact card (bot/handlers/extension.py).
CONTACT_SHOW = "contact.show"
CONTACT_LEAD_FORM = "contact.lead_form"
CONTACT_CREATE_LEAD = "contact.create_lead"
RECORDS_DATASET = "crm.records"  # typeahead over the tenant's records in the "Add to a record" dialog
WORKING_HOURS = "settings.working_hours"  # notifications only in working hours, or at any time
CONTACTS_IMPORT = "contacts.import"  # the preview card of a contacts file: Import...
CONTACTS_IMPORT_CANCEL = "contacts.import_cancel"  # ...or Cancel

# Custom fields, pipelines and lost reasons (issue 31): the organisation's lists and the admins' forms...
FIELDS_SHOW = "fields.show"
FIELD_FORM = "fields.add_form"
FIELD_ADD = "fields.add"
FIELD_MANAGE_FORM = "fields.manage_form"
FIELD_RENAME = "fields.rename"
FIELD_REMOVE_CONFIRM = "fields.remove_confirm"
FIELD_REMOVE = "fields.remove"
PIPELINES_SHOW = "pipelines.show"
PIPELINE_FORM = "pipelines.form"  # a new pipeline, or (with its id) an existing one's stages
PIPELINE_SAVE = "pipelines.save"
PIPELINE_DELETE = "pipelines.delete"
LOST_REASONS_FORM = "lost_reasons.form"
LOST_REASONS_SAVE = "lost_reasons.save"
# ...and on a record: the custom fields past what Edit details holds, why it was lost, another pipeline.
RECORD_FIELDS_FORM = "record.fields_form"
SAVE_FIELDS = "record.save_fields"
LOST_REASON = "record.lost_reason"
MOVE_PIPELINE = "record.move_pipeline"
# Next steps (tasks): the record card's "Add next step", the tasks card's buttons, their forms.
TASK_ADD_FORM = "task.add_form"
TASK_ADD = "task.add"
TASK_DONE = "task.done"
TASK_REOPEN = "task.reopen"
TASK_EDIT_FORM = "task.edit_form"
TASK_SAVE = "task.save"
TASK_REASSIGN_FORM = "task.reassign_form"
TASK_REASSIGN = "task.reassign"
