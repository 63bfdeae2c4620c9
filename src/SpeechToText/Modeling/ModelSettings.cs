namespace SpeechToText.Modeling;

/// <summary>
/// What a checkpoint records about running its model beside its shape and weights: whether it was trained on
/// unpadded audio (config.json "variable_length_audio"), the cross-attention heads word timing aligns
/// (generation_config.json "alignment_heads"; null: those assumed for its shape) and the beam size decoding
/// searches by default ("num_beams"; null: none named).
/// </summary>
public sealed record ModelSettings(bool VariableLengthAudio = false, IReadOnlyList<AlignmentHead>? AlignmentHeads = null, int? BeamSize = null);
