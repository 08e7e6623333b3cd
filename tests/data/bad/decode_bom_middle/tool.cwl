cwlVersion: v1.2
class: Command﻿LineTool
baseCommand: echo
inputs:
  message: string
outputs: []
