cwlVersion: v1.2
$graph:
  - id: echo
    class: CommandLineTool
    baseCommand: echo
    inputs:
      message:
        type: string
        inputBinding: {position: 1}
    stdout: message.txt
    outputs:
      out: stdout
  - id: cat
    class: CommandLineTool
    baseCommand: cat
    inputs:
      infile:
        type: File
        inputBinding: {position: 1}
    stdout: copy.txt
    outputs:
      out: stdout
  - id: main
    class: Workflow
    label: echo then cat
    inputs:
      message: string
    outputs:
      result:
        type: File
        outputSource: copy/out
    steps:
      say:
        run: "#echo"
        in:
          message: message
        out: [out]
      copy:
        run: "#cat"
        in:
          infile: say/out
        out: [out]
