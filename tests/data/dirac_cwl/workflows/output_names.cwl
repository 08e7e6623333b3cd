cwlVersion: v1.2
class: ExpressionTool
doc: The output names of a processed file (as CTAO's WMS tests compute them).
requirements:
  InlineJavascriptRequirement: {}
inputs:
  input_file: File
  data_level: {type: string, default: dl1}
outputs:
  output_filename: string
  log_filename: string
expression: |
  ${
    var name = inputs.input_file.basename;
    var output = name.replace(/\.simtel(\.zst|\.gz)?$/, "." + inputs.data_level + ".h5");
    return {output_filename: output, log_filename: output + ".log"};
  }
