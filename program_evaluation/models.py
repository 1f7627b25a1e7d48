"""The annual program evaluation held by the Program Evaluation Committee."""
