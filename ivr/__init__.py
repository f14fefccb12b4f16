"""The utility hotline IVR: FastAGI call flows, AMI queue state, outbound follow-up."""
