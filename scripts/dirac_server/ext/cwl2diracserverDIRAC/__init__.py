"""The local server's own DIRAC extension: stand-ins for what DIRAC needs and this server does not run.

Only the server's service processes have it on their PYTHONPATH (scripts/dirac_server/ext, with its dist-info
for DIRAC's extension lookup); it is not part of cwl2dirac, and never installed. It holds one stand-in:
``WorkloadManagementSystem/DB/JobParametersDB``, the job parameters that DIRAC 9 keeps in OpenSearch; and one
workaround: ``WorkloadManagementSystem/DB/TaskQueueDB``, DIRAC's own with the empty task queues removed before a match.
"""


def extension_metadata() -> dict:
    """DIRAC's extension record: searched before DIRAC itself (priority above 0), not a primary extension."""
    return {"primary_extension": False, "priority": 20, "setups": {}}
