namespace SpeechToText.Decoding;

/// <summary>Small numeric helpers over a row of logits, shared by the filters and the decoders.</summary>
internal static class LogitMath
{
    /// <summary>The log of the sum of the exponentials, computed stably; -∞ when all values are -∞.</summary>
    public static double LogSumExp(ReadOnlySpan<float> values)
    {
        double max = Max(values);
        if (double.IsNegativeInfinity(max))
            return double.NegativeInfinity;
        double sum = 0;
        foreach (float value in values)
            sum += Math.Exp(value - max);
        return max + Math.Log(sum);
    }

    /// <summary>The largest value; -∞ for an empty row.</summary>
    public static double Max(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float value in values)
            max = Math.Max(max, value);
        return max;
    }

    /// <summary>
    /// The indices of the <paramref name="count"/> largest finite values, largest first (the lower index first
    /// among equals); fewer when fewer are finite.
    /// </summary>
    public static int[] TopK(ReadOnlySpan<float> values, int count)
    {
        if (count <= 0)
            return [];
        var top = new List<int>(count + 1);
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNegativeInfinity(values[i]) || float.IsNaN(values[i]))
                continue;
            if (top.Count == count && values[i] <= values[top[^1]])
                continue;
            int at = top.Count;
            while (at > 0 && values[i] > values[top[at - 1]])
                at--;
            top.Insert(at, i);
            if (top.Count > count)
                top.RemoveAt(count);
        }
        return [.. top];
    }

    /// <summary>The index of the largest value; the lowest index wins ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
