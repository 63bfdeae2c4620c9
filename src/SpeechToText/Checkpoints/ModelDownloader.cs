using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace SpeechToText.Checkpoints;

/// <summary>Progress of a download: the file, bytes so far, and its total size when known.</summary>
public sealed record DownloadProgress(string File, long Bytes, long? Total);

/// <summary>
/// Downloads a model from the Hugging Face hub layout (<c>{endpoint}/{repo}/resolve/main/{file}</c>) over
/// HTTP(S). Each file is written to FILE.partial and moved into place only when complete and verified;
/// an interrupted download resumes from the partial file with a Range request. Files the hub serves
/// through LFS carry their SHA-256 (in X-Linked-Etag or ETag) and are checked against it.
/// </summary>
public sealed partial class ModelDownloader(HttpClient http, ILogger? logger = null)
{
    const int BufferBytes = 1 << 16;

    /// <summary>How long the server may send nothing (no headers, no bytes) before the transfer is given up as stalled.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Downloads the named model (or repository) into <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">A required file is missing on the server or fails its checksum.</exception>
    /// <exception cref="HttpRequestException">The server cannot be reached or answers with an error.</exception>
    /// <exception cref="IOException">The directory cannot be created (a file stands in its place).</exception>
    public async Task DownloadAsync(string repository, string directory, Uri endpoint, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        OutputDirectory.Create(directory);
        foreach (var (file, required) in ModelRegistry.Files)
        {
            var address = new Uri(endpoint, $"{repository}/resolve/main/{file}");
            bool found = await DownloadFileAsync(address, Path.Combine(directory, file), progress, cancellation).ConfigureAwait(false);
            if (!found && required)
                throw new InvalidDataException($"{address}: not found; {repository} is not a Whisper checkpoint in the Hugging Face format");
        }
    }

    /// <summary>Downloads one file; false when the server has no such file.</summary>
    async Task<bool> DownloadFileAsync(Uri address, string path, IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        string partial = path + ".partial";
        long resumeFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        if (resumeFrom > 0)
            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation); // its delay restarts before each wait on the server
        using var response = await WithinStallTimeout(
            token => new ValueTask<HttpResponseMessage>(http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token)),
            stall, address, resumeFrom, cancellation).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return false;
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file is already complete (or longer than the file): start over to be sure.
            File.Delete(partial);
            return await DownloadFileAsync(address, path, progress, cancellation).ConfigureAwait(false);
        }
        response.EnsureSuccessStatusCode();
        bool resumed = response.StatusCode == HttpStatusCode.PartialContent && resumeFrom > 0;
        if (!resumed)
            resumeFrom = 0;
        long? total = response.Content.Headers.ContentLength is { } length ? length + resumeFrom : null;
        string? expectedSha256 = Sha256Of(response);
        if (resumed)
            logger?.LogInformation("{File}: resuming at {Bytes} bytes", Path.GetFileName(path), resumeFrom);

        await using (var output = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write))
        await using (var input = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false))
        {
            var buffer = new byte[BufferBytes];
            long bytes = resumeFrom;
            int read;
            try
            {
                while ((read = await WithinStallTimeout(token => input.ReadAsync(buffer, token), stall, address, bytes, cancellation).ConfigureAwait(false)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellation).ConfigureAwait(false);
                    bytes += read;
                    progress?.Report(new DownloadProgress(Path.GetFileName(path), bytes, total));
                }
            }
            catch (IOException e)
            {
                throw new HttpRequestException($"{address}: the transfer was interrupted after {bytes} bytes ({e.Message}); run the download again to resume", e);
            }
            if (total is { } expected && bytes != expected)
                throw new HttpRequestException($"{address}: the transfer ended after {bytes} of {expected} bytes; run the download again to resume");
        }
        if (expectedSha256 != null)
        {
            string actual = await HashAsync(partial, cancellation).ConfigureAwait(false);
            if (!actual.Equals(expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                throw new InvalidDataException($"{address}: checksum mismatch (SHA-256 {actual}, expected {expectedSha256}); the corrupt file was deleted, download again");
            }
        }
        File.Move(partial, path, overwrite: true);
        return true;
    }

    /// <summary>
    /// Waits on the server (<paramref name="wait"/>, given <paramref name="stall"/>'s token) for at most
    /// <see cref="StallTimeout"/> from now; fails as stalled, <paramref name="bytes"/> into the file, when it sends nothing.
    /// </summary>
    async Task<T> WithinStallTimeout<T>(Func<CancellationToken, ValueTask<T>> wait, CancellationTokenSource stall, Uri address, long bytes, CancellationToken cancellation)
    {
        stall.CancelAfter(StallTimeout); // from now: a later wait moves the deadline
        try
        {
            return await wait(stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw Stalled(address, bytes, e);
        }
    }

    HttpRequestException Stalled(Uri address, long bytes, Exception inner) => new(string.Create(CultureInfo.InvariantCulture,
        $"{address}: the server sent nothing for {StallTimeout.TotalSeconds:0.#} s after {bytes} bytes; run the download again to resume"), inner);

    /// <summary>The SHA-256 the hub states for an LFS file (a 64-digit hex ETag), or null.</summary>
    static string? Sha256Of(HttpResponseMessage response)
    {
        foreach (string header in new[] { "X-Linked-Etag", "ETag" })
        {
            if (response.Headers.TryGetValues(header, out var values))
            {
                var match = Sha256Pattern().Match(values.First());
                if (match.Success)
                    return match.Groups[1].Value;
            }
        }
        return null;
    }

    static async Task<string> HashAsync(string path, CancellationToken cancellation)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellation).ConfigureAwait(false));
    }

    [GeneratedRegex("^(?:W/)?\"?([0-9a-fA-F]{64})\"?$")]
    private static partial Regex Sha256Pattern();
}
