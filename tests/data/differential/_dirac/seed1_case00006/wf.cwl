#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
requirements:
- class: ScatterFeatureRequirement
- class: StepInputExpressionRequirement
- class: SubworkflowFeatureRequirement
- class: InlineJavascriptRequirement
  expressionLib:
  - |
    function canon(x) {
      if (x === null || x === undefined) return null;
      if (Array.isArray(x)) return x.map(canon);
      if (typeof x === 'object') {
        if (x['class'] === 'File') {
          var r = {'class': 'File', 'basename': x.basename};
          if (x.contents !== undefined && x.contents !== null) r.contents = x.contents;
          if (x.secondaryFiles) r.secondaryFiles = x.secondaryFiles.map(canon);
          return r;
        }
        if (x['class'] === 'Directory') return {'class': 'Directory', 'basename': x.basename};
        var keys = Object.keys(x).sort(); var o = {};
        for (var i = 0; i < keys.length; i++) o[keys[i]] = canon(x[keys[i]]);
        return o;
      }
      return x;
    }
    function paths(x, acc) {
      if (x === null || x === undefined) return acc;
      if (Array.isArray(x)) { for (var i = 0; i < x.length; i++) paths(x[i], acc); return acc; }
      if (typeof x === 'object') {
        if (x['class'] === 'File') {
          acc.push(['f', x.path]);
          if (x.secondaryFiles) paths(x.secondaryFiles, acc);
          return acc;
        }
        if (x['class'] === 'Directory') { acc.push(['d', x.path]); return acc; }
        var keys = Object.keys(x).sort();
        for (var j = 0; j < keys.length; j++) paths(x[keys[j]], acc);
      }
      return acc;
    }
    function q(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
    function script(inputs, names, tag, extra) {
      var lines = ["printf '%s\\n' " + q(tag) + " > out.txt"];
      var ps = [];
      for (var i = 0; i < names.length; i++) {
        lines.push("printf '%s\\n' " + q(names[i] + "=" + JSON.stringify(canon(inputs[names[i]]))) + " >> out.txt");
        paths(inputs[names[i]], ps);
      }
      for (var k = 0; k < ps.length; k++) {
        if (ps[k][0] === 'f') lines.push("cat " + q(ps[k][1]) + " >> out.txt");
        else lines.push("(cd " + q(ps[k][1]) + " && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs cat)"
                         + " >> out.txt");
      }
      return lines.join("\n") + "\n" + extra;
    }
inputs:
  i1:
    type:
      type: array
      items:
        type: record
        fields:
        - name: name
          type: string
        - name: n
          type: int
  i2:
    type: int
    default: 71
  i3:
    type:
      type: array
      items: File
    default:
    - class: File
      location: in1.txt
    - class: File
      location: in2.txt
    - class: File
      location: in3.dat
outputs:
  s1_o_string:
    type:
      type: array
      items: string
    outputSource: s1/o_string
  s2_out:
    type:
      type: array
      items:
        type: array
        items: string
    outputSource: s2/out
steps:
  s1:
    run:
      class: Workflow
      requirements:
      - class: InlineJavascriptRequirement
        expressionLib:
        - |
          function canon(x) {
            if (x === null || x === undefined) return null;
            if (Array.isArray(x)) return x.map(canon);
            if (typeof x === 'object') {
              if (x['class'] === 'File') {
                var r = {'class': 'File', 'basename': x.basename};
                if (x.contents !== undefined && x.contents !== null) r.contents = x.contents;
                if (x.secondaryFiles) r.secondaryFiles = x.secondaryFiles.map(canon);
                return r;
              }
              if (x['class'] === 'Directory') return {'class': 'Directory', 'basename': x.basename};
              var keys = Object.keys(x).sort(); var o = {};
              for (var i = 0; i < keys.length; i++) o[keys[i]] = canon(x[keys[i]]);
              return o;
            }
            return x;
          }
          function paths(x, acc) {
            if (x === null || x === undefined) return acc;
            if (Array.isArray(x)) { for (var i = 0; i < x.length; i++) paths(x[i], acc); return acc; }
            if (typeof x === 'object') {
              if (x['class'] === 'File') {
                acc.push(['f', x.path]);
                if (x.secondaryFiles) paths(x.secondaryFiles, acc);
                return acc;
              }
              if (x['class'] === 'Directory') { acc.push(['d', x.path]); return acc; }
              var keys = Object.keys(x).sort();
              for (var j = 0; j < keys.length; j++) paths(x[keys[j]], acc);
            }
            return acc;
          }
          function q(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
          function script(inputs, names, tag, extra) {
            var lines = ["printf '%s\\n' " + q(tag) + " > out.txt"];
            var ps = [];
            for (var i = 0; i < names.length; i++) {
              lines.push("printf '%s\\n' " + q(names[i] + "=" + JSON.stringify(canon(inputs[names[i]]))) + " >> out.txt");
              paths(inputs[names[i]], ps);
            }
            for (var k = 0; k < ps.length; k++) {
              if (ps[k][0] === 'f') lines.push("cat " + q(ps[k][1]) + " >> out.txt");
              else lines.push("(cd " + q(ps[k][1]) + " && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs cat)"
                               + " >> out.txt");
            }
            return lines.join("\n") + "\n" + extra;
          }
      inputs:
        p1:
          type: File
      outputs:
        o_string:
          type: string
          outputSource: inner/o_string
      steps:
        inner:
          run:
            class: CommandLineTool
            requirements:
            - class: InlineJavascriptRequirement
              expressionLib:
              - |
                function canon(x) {
                  if (x === null || x === undefined) return null;
                  if (Array.isArray(x)) return x.map(canon);
                  if (typeof x === 'object') {
                    if (x['class'] === 'File') {
                      var r = {'class': 'File', 'basename': x.basename};
                      if (x.contents !== undefined && x.contents !== null) r.contents = x.contents;
                      if (x.secondaryFiles) r.secondaryFiles = x.secondaryFiles.map(canon);
                      return r;
                    }
                    if (x['class'] === 'Directory') return {'class': 'Directory', 'basename': x.basename};
                    var keys = Object.keys(x).sort(); var o = {};
                    for (var i = 0; i < keys.length; i++) o[keys[i]] = canon(x[keys[i]]);
                    return o;
                  }
                  return x;
                }
                function paths(x, acc) {
                  if (x === null || x === undefined) return acc;
                  if (Array.isArray(x)) { for (var i = 0; i < x.length; i++) paths(x[i], acc); return acc; }
                  if (typeof x === 'object') {
                    if (x['class'] === 'File') {
                      acc.push(['f', x.path]);
                      if (x.secondaryFiles) paths(x.secondaryFiles, acc);
                      return acc;
                    }
                    if (x['class'] === 'Directory') { acc.push(['d', x.path]); return acc; }
                    var keys = Object.keys(x).sort();
                    for (var j = 0; j < keys.length; j++) paths(x[keys[j]], acc);
                  }
                  return acc;
                }
                function q(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
                function script(inputs, names, tag, extra) {
                  var lines = ["printf '%s\\n' " + q(tag) + " > out.txt"];
                  var ps = [];
                  for (var i = 0; i < names.length; i++) {
                    lines.push("printf '%s\\n' " + q(names[i] + "=" + JSON.stringify(canon(inputs[names[i]]))) + " >> out.txt");
                    paths(inputs[names[i]], ps);
                  }
                  for (var k = 0; k < ps.length; k++) {
                    if (ps[k][0] === 'f') lines.push("cat " + q(ps[k][1]) + " >> out.txt");
                    else lines.push("(cd " + q(ps[k][1]) + " && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs cat)"
                                     + " >> out.txt");
                  }
                  return lines.join("\n") + "\n" + extra;
                }
            baseCommand:
            - sh
            - -c
            arguments:
            - valueFrom: $(script(inputs, ["p1"], "s1", ""))
            inputs:
              p1:
                type: File
            outputs:
              o_string:
                type: string
                outputBinding:
                  glob: out.txt
                  loadContents: true
                  outputEval: $(self[0].contents.split('\n')[1])
          in:
            p1: p1
          out:
          - o_string
    in:
      p1: i3
    out:
    - o_string
    scatter: p1
  s2:
    run:
      class: ExpressionTool
      requirements:
      - class: InlineJavascriptRequirement
        expressionLib:
        - |
          function canon(x) {
            if (x === null || x === undefined) return null;
            if (Array.isArray(x)) return x.map(canon);
            if (typeof x === 'object') {
              if (x['class'] === 'File') {
                var r = {'class': 'File', 'basename': x.basename};
                if (x.contents !== undefined && x.contents !== null) r.contents = x.contents;
                if (x.secondaryFiles) r.secondaryFiles = x.secondaryFiles.map(canon);
                return r;
              }
              if (x['class'] === 'Directory') return {'class': 'Directory', 'basename': x.basename};
              var keys = Object.keys(x).sort(); var o = {};
              for (var i = 0; i < keys.length; i++) o[keys[i]] = canon(x[keys[i]]);
              return o;
            }
            return x;
          }
          function paths(x, acc) {
            if (x === null || x === undefined) return acc;
            if (Array.isArray(x)) { for (var i = 0; i < x.length; i++) paths(x[i], acc); return acc; }
            if (typeof x === 'object') {
              if (x['class'] === 'File') {
                acc.push(['f', x.path]);
                if (x.secondaryFiles) paths(x.secondaryFiles, acc);
                return acc;
              }
              if (x['class'] === 'Directory') { acc.push(['d', x.path]); return acc; }
              var keys = Object.keys(x).sort();
              for (var j = 0; j < keys.length; j++) paths(x[keys[j]], acc);
            }
            return acc;
          }
          function q(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
          function script(inputs, names, tag, extra) {
            var lines = ["printf '%s\\n' " + q(tag) + " > out.txt"];
            var ps = [];
            for (var i = 0; i < names.length; i++) {
              lines.push("printf '%s\\n' " + q(names[i] + "=" + JSON.stringify(canon(inputs[names[i]]))) + " >> out.txt");
              paths(inputs[names[i]], ps);
            }
            for (var k = 0; k < ps.length; k++) {
              if (ps[k][0] === 'f') lines.push("cat " + q(ps[k][1]) + " >> out.txt");
              else lines.push("(cd " + q(ps[k][1]) + " && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs cat)"
                               + " >> out.txt");
            }
            return lines.join("\n") + "\n" + extra;
          }
      inputs:
        x:
          type:
            type: record
            fields:
            - name: name
              type: string
            - name: n
              type: int
      outputs:
        out:
          type:
            type: array
            items: string
      expression: '${ var out = (function () { var n = JSON.stringify(canon(inputs.x)).length; var o = []; for (var i = 0; i < 3; i++) o.push(''v'' + n + ''_'' + i); return o; })(); return {out: out}; }'
    in:
      x: i1
    out:
    - out
    scatter: x
