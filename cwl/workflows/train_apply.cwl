#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: Train the ML models and apply them
doc: |
  The analysis part of the CTAO chain, from already merged DL2 files (DL1b parameters + geometric
  reconstruction):

  - `train_energy`: ctapipe-train-energy-regressor on the merged gamma (training) file;
  - `train_disp`: ctapipe-train-disp-reconstructor on the same file;
  - `train_classifier`: ctapipe-train-particle-classifier with the gamma file as signal and the proton file
    as background (two parents: a fan-in);
  - `apply`: ctapipe-apply-models on every test file (scatter), with the three models in the order energy,
    classifier, disp.

  The three trainings are independent (the example configurations do not use one model's output as another's
  feature), so they run in parallel. The real training needs thousands of events: it cannot run on the tiny
  test files of /work/shared/data/simtel (ctapipe raises TooFewEvents).

requirements:
  ScatterFeatureRequirement: {}

hints:
  - $import: ../types/metadata_fields.yml
  - class: dirac:InputData
    inputs:
      gamma_train:
        particle: gamma-diffuse
        data_level: 2
        outputType: Data
        analysis_prog: ctapipe-merge
      proton_train:
        particle: proton
        data_level: 2
        outputType: Data
        analysis_prog: ctapipe-merge
      test_files:
        particle: gamma
        data_level: 2
        outputType: Data
        analysis_prog: ctapipe-merge

inputs:
  gamma_train:
    type: File
    doc: Merged DL2 file of (diffuse) gammas for training.
  proton_train:
    type: File
    doc: Merged DL2 file of protons for training the classifier.
  test_files:
    type: File[]
    doc: DL1b/DL2 files the models are applied to (the test sample).
  energy_config:
    type: File
    doc: ML configuration of the EnergyRegressor (examples/config/train_energy_regressor.yaml).
  classifier_config:
    type: File
    doc: ML configuration of the ParticleClassifier (examples/config/train_particle_classifier.yaml).
  disp_config:
    type: File
    doc: ML configuration of the DispReconstructor (examples/config/train_disp_reconstructor.yaml).
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EFFECTIVE
    doc: Focal length used to read the inputs (`--TableLoader.focal_length_choice`).

steps:
  train_energy:
    run: ../tools/ctapipe_train_energy_regressor.cwl
    in:
      input: gamma_train
      config: energy_config
      focal_length_choice: focal_length_choice
    out: [model, cv_output, log, provenance_log]

  train_disp:
    run: ../tools/ctapipe_train_disp_reconstructor.cwl
    in:
      input: gamma_train
      config: disp_config
      focal_length_choice: focal_length_choice
    out: [model, cv_output, log, provenance_log]

  train_classifier:
    run: ../tools/ctapipe_train_particle_classifier.cwl
    in:
      signal: gamma_train
      background: proton_train
      config: classifier_config
      focal_length_choice: focal_length_choice
    out: [model, cv_output, log, provenance_log]

  apply:
    run: ../tools/ctapipe_apply_models.cwl
    scatter: input
    in:
      input: test_files
      energy_model: train_energy/model
      classifier_model: train_classifier/model
      disp_model: train_disp/model
      focal_length_choice: focal_length_choice
    out: [dl2_file, log, provenance_log]

outputs:
  energy_model:
    type: File
    outputSource: train_energy/model
    doc: Trained EnergyRegressor.
  classifier_model:
    type: File
    outputSource: train_classifier/model
    doc: Trained ParticleClassifier.
  disp_model:
    type: File
    outputSource: train_disp/model
    doc: Trained DispReconstructor.
  dl2_files:
    type: File[]
    outputSource: apply/dl2_file
    doc: Test files with the ML predictions.
