using SpeechToText.Modeling;
using SpeechToText.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Decoding;

/// <summary>
/// Decodes one audio window by beam search (the reference's decoding at temperature 0 with a beam size):
/// the <c>beamSize</c> most likely unfinished continuations are decoded together, as one batch against the
/// window's cross-attention keys/values. At each step every beam proposes its <c>beamSize + 1</c> most likely
/// next tokens under the logit filters; proposals are taken in order of total log-probability until
/// <c>beamSize</c> unfinished ones are kept, and the proposals ending the transcript met on the way are set
/// aside. The search stops once <c>beamSize × patience</c> transcripts have ended (or at the token limit,
/// when the unfinished beams join them); the result is the one with the highest log-probability per token (or as a
/// length penalty ranks them: <see cref="TranscriptRanking"/>).
/// With a <see cref="LanguageModelFusion"/>, beams propose twice as many tokens and are ranked by their fused
/// score instead (the speech model's log-probability plus the language models' weighted scores), and a transcript
/// ends only where the speech model gives the end at least a tenth of its most likely token's probability.
/// With a <see cref="CtcPrefixScorer"/> for the window (joint CTC/attention decoding), the fused score also gains
/// <c>ctcWeight</c> × the change each token makes to the CTC prefix log-probability of the transcript (for the end,
/// to the log-probability that the labelling is exactly the transcript; other special tokens change nothing), and beams
/// likewise propose twice as many tokens.
/// </summary>
public sealed class BeamSearchDecoder
{
    readonly WhisperModel _model;
    readonly WhisperTokenizer _tokenizer;
    readonly IReadOnlyList<ILogitFilter> _filters;
    readonly int _beamSize;
    readonly int _finishedWanted;
    readonly LanguageModelFusion? _fusion;
    readonly double? _lengthPenalty;
    readonly double _ctcWeight;

    /// <summary>
    /// With fusion, a transcript may end only where the speech model gives the end at least this share of its most
    /// likely token's probability: the language models would otherwise end it before the speech does, where the
    /// words still to come look unlikely to them.
    /// </summary>
    const double EndShareWithFusion = 0.1;

    /// <summary>
    /// A transcript being written: its tokens after the prompt, their summed log-probability, and the sum ranked
    /// (<paramref name="Fused"/>: the log-probability plus what fusion adds, or the log-probability alone).
    /// </summary>
    sealed record Hypothesis(IReadOnlyList<DecodedToken> Tokens, double LogProbability, double Fused, CtcPrefixScorer.Prefix? Ctc = null)
    {
        public IReadOnlyList<int> Ids { get; } = Tokens.Select(t => t.Id).ToList();
    }

    /// <summary>
    /// Creates a decoder keeping <paramref name="beamSize"/> beams that stops after <paramref name="beamSize"/> × <paramref name="patience"/>
    /// transcripts end, ranking them with <paramref name="fusion"/> when given, under <paramref name="lengthPenalty"/>
    /// (<see cref="TranscriptRanking"/>), and weighing a window's CTC prefix scores by <paramref name="ctcWeight"/> when
    /// <see cref="Decode"/> is given them.
    /// </summary>
    public BeamSearchDecoder(WhisperModel model, WhisperTokenizer tokenizer, IReadOnlyList<ILogitFilter> filters, int beamSize, double patience = 1.0,
        LanguageModelFusion? fusion = null, double? lengthPenalty = null, double ctcWeight = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(beamSize, 1);
        if (!(patience > 0) || double.IsInfinity(patience))
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "The patience must be a positive number.");
        if (lengthPenalty is { } alpha && !TranscriptRanking.IsValidPenalty(alpha))
            throw new ArgumentOutOfRangeException(nameof(lengthPenalty), alpha, "The length penalty must be from 0 to 1.");
        if (!ScoreWeight.IsValid(ctcWeight))
            throw new ArgumentOutOfRangeException(nameof(ctcWeight), ctcWeight, "The CTC weight must be a finite number, 0 or more.");
        (_model, _tokenizer, _filters, _beamSize, _fusion, _lengthPenalty, _ctcWeight) = (model, tokenizer, filters, beamSize, fusion, lengthPenalty, ctcWeight);
        _finishedWanted = Math.Max(1, (int)Math.Round(beamSize * patience));
    }

    /// <summary>
    /// Decodes at most <paramref name="maxTokens"/> tokens after <paramref name="prompt"/>.
    /// <paramref name="startOfTranscriptIndex"/> is where &lt;|startoftranscript|&gt; stands in the prompt.
    /// <paramref name="ctc"/>, when given, scores the window's transcripts by CTC (at the decoder's CTC weight).
    /// </summary>
    public WindowResult Decode(CrossAttentionCache audio, IReadOnlyList<int> prompt, int startOfTranscriptIndex, int maxTokens,
        CtcPrefixScorer? ctc = null, CancellationToken cancellation = default)
    {
        if (ctc != null && ctc.TextTokens != _tokenizer.TextTokenCount)
            throw new ArgumentException($"The CTC scores have {ctc.TextTokens} text tokens; the vocabulary has {_tokenizer.TextTokenCount}.", nameof(ctc));
        ctc = _ctcWeight > 0 ? ctc : null;
        var decoder = _model.Decoder;
        // One position is left for the end of text, which a transcript that runs out of room lacks and word
        // alignment appends.
        maxTokens = (int)Math.Min(maxTokens, decoder.Context - prompt.Count - 1);
        var beams = new List<Hypothesis> { new([], 0, 0, ctc?.Empty) };
        var finished = new List<Hypothesis>();
        double noSpeech = 0;
        using var cache = new DecoderCache(decoder.Layers);
        using var inference = torch.inference_mode();
        long[,] input = new long[1, prompt.Count];
        for (int i = 0; i < prompt.Count; i++)
            input[0, i] = prompt[i];
        for (int step = 0; step < maxTokens && finished.Count < _finishedWanted && beams.Count > 0; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            float[][] logits;
            using (NewDisposeScope())
            {
                using var tokens = torch.tensor(input);
                using var all = decoder.Forward(tokens, audio, cache);
                if (step == 0)
                    noSpeech = WindowDecoder.NoSpeechProbability(all, startOfTranscriptIndex, _tokenizer.Special);
                using var last = all[.., -1];
                var flat = last.data<float>().ToArray();
                int vocabulary = (int)last.shape[1];
                logits = Enumerable.Range(0, beams.Count).Select(b => flat.AsSpan(b * vocabulary, vocabulary).ToArray()).ToArray();
            }
            var (kept, sources, ended) = Advance(beams, logits, ctc);
            finished.AddRange(ended.Take(_finishedWanted - finished.Count));
            if (kept.Count == 0 && ended.Count == 0)
                break; // nothing can follow any beam: they end where they are, below
            beams = kept;
            if (beams.Count == 0)
                break;
            cache.Reorder(sources);
            input = new long[beams.Count, 1];
            for (int b = 0; b < beams.Count; b++)
                input[b, 0] = beams[b].Tokens[^1].Id;
        }
        // Beams still unfinished at the token limit compete with the ended ones, as the reference does (scored by CTC
        // as if they ended there).
        var unfinished = beams.Select(b => ctc == null ? b : b with { Fused = b.Fused + _ctcWeight * (b.Ctc!.EndScore - b.Ctc.Score) });
        finished.AddRange(unfinished.OrderByDescending(b => b.Fused).Take(Math.Max(0, _beamSize - finished.Count)));
        var best = finished.MaxBy(h => TranscriptRanking.Score(h.Fused, h.Tokens.Count, _lengthPenalty)) ?? new Hypothesis([], 0, 0);
        return WindowDecoder.Result(_tokenizer, best.Tokens, best.LogProbability, noSpeech, temperature: 0);
    }

    /// <summary>
    /// One step of the search: the next beams (with the index of the beam each continues) and the transcripts
    /// that ended, each list most likely first.
    /// </summary>
    (List<Hypothesis> Kept, List<long> Sources, List<Hypothesis> Ended) Advance(List<Hypothesis> beams, float[][] logits, CtcPrefixScorer? ctc)
    {
        int endOfText = _tokenizer.Special.EndOfText;
        var proposals = new List<(int Beam, int Token, double LogProbability, double Fused)>();
        bool widened = _fusion != null || ctc != null;
        for (int b = 0; b < beams.Count; b++)
        {
            var row = logits[b];
            foreach (var filter in _filters)
                filter.Apply(row, beams[b].Ids);
            double logTotal = LogitMath.LogSumExp(row);
            string? text = _fusion?.TextOf(beams[b].Ids);
            var top = LogitMath.TopK(row, (_beamSize + 1) * (widened ? 2 : 1));
            var prefix = beams[b].Ctc;
            var ctcScores = ctc == null ? null : CtcScores(ctc, prefix!, top, endOfText);
            double endFloor = top.Length > 0 ? row[top[0]] - logTotal + Math.Log(EndShareWithFusion) : 0;
            for (int i = 0; i < top.Length; i++)
            {
                int token = top[i];
                double logProbability = row[token] - logTotal;
                if (_fusion != null && token == endOfText && logProbability < endFloor)
                    continue;
                double fused = beams[b].Fused + logProbability + (_fusion?.Score(text!, token) ?? 0)
                    + (ctc == null ? 0 : _ctcWeight * (ctcScores![i] - prefix!.Score));
                if (!(fused > double.NegativeInfinity)) // ruled out (or not a number)
                    continue;
                proposals.Add((b, token, logProbability, fused));
            }
        }
        var kept = new List<Hypothesis>();
        var sources = new List<long>();
        var ended = new List<Hypothesis>();
        foreach (var (beam, token, logProbability, fused) in proposals.OrderByDescending(p => p.Fused))
        {
            double total = beams[beam].LogProbability + logProbability;
            if (token == endOfText)
            {
                ended.Add(new Hypothesis(beams[beam].Tokens, total, fused));
                continue;
            }
            var decoded = new DecodedToken(token, (float)Math.Exp(logProbability), (float)logProbability);
            var prefix = ctc == null ? null : token < ctc.TextTokens ? ctc.Extend(beams[beam].Ctc!, token) : beams[beam].Ctc;
            kept.Add(new Hypothesis([.. beams[beam].Tokens, decoded], total, fused, prefix));
            sources.Add(beam);
            if (kept.Count == _beamSize)
                break;
        }
        return (kept, sources, ended);
    }

    /// <summary>
    /// The CTC score of the transcript <paramref name="prefix"/> continued by each of <paramref name="tokens"/>: its prefix
    /// score after a text token, the score of the labelling being exactly the transcript after the end, and the score
    /// it had after another special token (a timestamp is no CTC label).
    /// </summary>
    static double[] CtcScores(CtcPrefixScorer ctc, CtcPrefixScorer.Prefix prefix, int[] tokens, int endOfText)
    {
        var next = ctc.NextScores(prefix, [.. tokens.Where(t => t < ctc.TextTokens)]);
        var scores = new double[tokens.Length];
        for (int i = 0, text = 0; i < tokens.Length; i++)
            scores[i] = tokens[i] < ctc.TextTokens ? next[text++] : tokens[i] == endOfText ? prefix.EndScore : prefix.Score;
        return scores;
    }
}
