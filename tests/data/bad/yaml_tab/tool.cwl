cwlVersion: v1.2
class: CommandLineTool
inputs:
	message: string
outputs: []
