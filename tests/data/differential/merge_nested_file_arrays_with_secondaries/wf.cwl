#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
requirements:
- class: MultipleInputFeatureRequirement
- class: ScatterFeatureRequirement
- class: StepInputExpressionRequirement
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
    - 'null'
    - File
    default: null
  i2:
    type:
      type: array
      items: File
    secondaryFiles:
    - pattern: .idx
      required: true
  i3:
    type:
      type: array
      items: string
outputs:
  s1_o_string:
    type: string
    outputSource: s1/o_string
steps:
  s1:
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
      - valueFrom: $(script(inputs, ["p1", "p2", "p3"], "s1", ""))
      inputs:
        p1:
          type: int
        p2:
          type:
          - 'null'
          - File
        p3:
          type:
            type: array
            items:
              type: array
              items: File
      outputs:
        o_string:
          type: string
          outputBinding:
            glob: out.txt
            loadContents: true
            outputEval: $(self[0].contents.split('\n')[1])
    in:
      p1:
        source: i2
        valueFrom: $(JSON.stringify(canon(self)).length)
      p2: i1
      p3:
        source:
        - i2
        - i2
        linkMerge: merge_nested
    out:
    - o_string
