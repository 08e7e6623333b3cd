cwlVersion: v1.2
class: Workflow
$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}
inputs:
  message: string
outputs: []
steps:
  say:
    run: ../tools/echo.cwl
    in: {message: message}
    out: [out]
    hints:
      dirac:Metadata:
        fields: {data_level: 1, partilce: gamma}
