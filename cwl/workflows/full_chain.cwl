#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: Full CTAO Monte-Carlo chain
doc: |
  Simulation to DL2 with trained ML models, as CTAO runs it:

                gamma (gamma-diffuse)          proton            gamma_test (point-like gamma)
           simulate -> process -> merge   simulate -> process -> merge   simulate -> process -> merge
                 |        \                       |                             |
        train_energy   train_disp           train_classifier <- gamma          | dl2_files
                 \          \                     |                             |
                  `----------`------------------- apply (scatter over gamma_test DL2 files)

  - `gamma`, `proton`, `gamma_test`: sub-workflow steps, each `run: simulate_process_merge.cwl`
    (MCSimulation -> DataReprocessing -> Merging);
  - `train_energy` and `train_disp`: Training on the merged gamma-diffuse file;
  - `train_classifier`: Training with the merged gamma-diffuse file as signal and the merged proton file as
    background: a step with two parent steps (fan-in);
  - `apply`: ApplyModel on every DL2 file of the independent point-like gamma test sample (`gamma_test`),
    with the three models (energy, classifier, disp, in that order).

  The training and test samples are separate simulations (diffuse gammas for training, point-like gammas for
  testing, as in CTAO productions), so the DAG has no train/test overlap. Every branch's outputs carry its
  `particle` in the catalog metadata (step-level `dirac:Metadata` hints).

requirements:
  SubworkflowFeatureRequirement: {}
  ScatterFeatureRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: ../types/ctao.yml

hints:
  - $import: ../types/metadata_fields.yml
  - class: dirac:Metadata
    fields:
      MCCampaign: PROD6
      configuration_id: 1
  - class: dirac:Job
    output_path: /ctao/MC/PROD6

inputs:
  n_runs_gamma:
    type: int
    doc: Runs of diffuse gammas (training sample).
  n_runs_proton:
    type: int
    doc: Runs of protons (training sample, background).
  n_runs_gamma_test:
    type: int
    doc: Runs of point-like gammas (test sample).
  site:
    type: ../types/ctao.yml#Site
    default: CTAO-North
    doc: Observatory site.
  array_layout:
    type: string
    default: Alpha
    doc: Array layout.
  zenith:
    type: float
    default: 20.0
    doc: Zenith angle of the pointing, degrees.
  azimuth:
    type: float
    default: 180.0
    doc: Azimuth of the pointing, degrees.
  n_showers:
    type: int
    default: 20000
    doc: Showers per run.
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EFFECTIVE
    doc: ctapipe focal-length choice, used by processing, training and apply.
  energy_config:
    type: File
    doc: ML configuration of the EnergyRegressor.
  classifier_config:
    type: File
    doc: ML configuration of the ParticleClassifier.
  disp_config:
    type: File
    doc: ML configuration of the DispReconstructor.

steps:
  gamma:
    run: simulate_process_merge.cwl
    in:
      n_runs: n_runs_gamma
      particle: {default: gamma-diffuse}
      site: site
      array_layout: array_layout
      zenith: zenith
      azimuth: azimuth
      n_showers: n_showers
      focal_length_choice: focal_length_choice
    out: [simtel_files, dl2_files, merged_file]
    hints:
      dirac:Metadata:
        fields: {particle: gamma-diffuse}

  proton:
    run: simulate_process_merge.cwl
    in:
      n_runs: n_runs_proton
      particle: {default: proton}
      site: site
      array_layout: array_layout
      zenith: zenith
      azimuth: azimuth
      n_showers: n_showers
      focal_length_choice: focal_length_choice
    out: [simtel_files, dl2_files, merged_file]
    hints:
      dirac:Metadata:
        fields: {particle: proton}

  gamma_test:
    run: simulate_process_merge.cwl
    in:
      n_runs: n_runs_gamma_test
      particle: {default: gamma}
      site: site
      array_layout: array_layout
      zenith: zenith
      azimuth: azimuth
      n_showers: n_showers
      focal_length_choice: focal_length_choice
    out: [simtel_files, dl2_files, merged_file]
    hints:
      dirac:Metadata:
        fields: {particle: gamma}

  train_energy:
    run: ../tools/ctapipe_train_energy_regressor.cwl
    in:
      input: gamma/merged_file
      config: energy_config
      focal_length_choice: focal_length_choice
    out: [model, cv_output, log, provenance_log]

  train_disp:
    run: ../tools/ctapipe_train_disp_reconstructor.cwl
    in:
      input: gamma/merged_file
      config: disp_config
      focal_length_choice: focal_length_choice
    out: [model, cv_output, log, provenance_log]

  train_classifier:
    run: ../tools/ctapipe_train_particle_classifier.cwl
    in:
      signal: gamma/merged_file
      background: proton/merged_file
      config: classifier_config
      focal_length_choice: focal_length_choice
    out: [model, cv_output, log, provenance_log]

  apply:
    run: ../tools/ctapipe_apply_models.cwl
    scatter: input
    in:
      input: gamma_test/dl2_files
      energy_model: train_energy/model
      classifier_model: train_classifier/model
      disp_model: train_disp/model
      focal_length_choice: focal_length_choice
    out: [dl2_file, log, provenance_log]
    hints:
      dirac:Metadata:
        fields: {particle: gamma}

outputs:
  gamma_merged:
    type: File
    doc: Merged DL2 file of the diffuse-gamma training sample.
    outputSource: gamma/merged_file
  proton_merged:
    type: File
    doc: Merged DL2 file of the proton training sample.
    outputSource: proton/merged_file
  energy_model:
    type: File
    doc: Trained EnergyRegressor.
    outputSource: train_energy/model
  classifier_model:
    type: File
    doc: Trained ParticleClassifier.
    outputSource: train_classifier/model
  disp_model:
    type: File
    doc: Trained DispReconstructor.
    outputSource: train_disp/model
  test_dl2_files:
    type: File[]
    doc: The test sample's DL2 files with ML energy, gammaness and direction.
    outputSource: apply/dl2_file
