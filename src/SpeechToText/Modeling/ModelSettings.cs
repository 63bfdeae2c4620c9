namespace SpeechToText.Modeling;

/// <summary>
/// What a checkpoint records about running its model beside its shape and weights: whether it was trained on
/// unpadded audio (config.json "variable_length_audio"), the cross-attention heads word timing aligns
/// (generation_config.json "alignment_heads"; null: those assumed for its shape), the beam size decoding
/// searches by default ("num_beams"; null: none named) and how much beam search weighs the model's CTC head by
/// default ("ctc_weight", this project's key; null: none named, see <see cref="CtcHead"/>).
/// </summary>
public sealed record ModelSettings(bool VariableLengthAudio = false, IReadOnlyList<AlignmentHead>? AlignmentHeads = null, int? BeamSize = null,
    double? CtcWeight = null);
