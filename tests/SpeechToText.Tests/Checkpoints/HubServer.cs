using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace SpeechToText.Tests.Checkpoints;

/// <summary>
/// A Hugging Face hub stand-in on 127.0.0.1: serves a directory as <c>/{repo}/resolve/main/{file}</c>,
/// with the SHA-256 of .safetensors files in X-Linked-Etag as the hub does for LFS files, Range
/// requests, and optional faults: cut a transfer short once, or serve corrupted bytes.
/// </summary>
internal sealed class HubServer : IDisposable
{
    readonly HttpListener _listener;
    readonly string _root;
    readonly Task _serving;

    public HubServer(string root, string repository)
    {
        _root = root;
        Repository = repository;
        (_listener, Endpoint) = Listen();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>A listener on a free port: a test running beside may take the port between its choice and the listening, so a few are tried.</summary>
    static (HttpListener Listener, Uri Endpoint) Listen()
    {
        for (int attempt = 1; ; attempt++)
        {
            var endpoint = new Uri($"http://127.0.0.1:{FreePort()}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(endpoint.ToString());
            try
            {
                listener.Start();
                return (listener, endpoint);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public Uri Endpoint { get; }
    public string Repository { get; }

    /// <summary>Cut the next transfer of this file after half of it.</summary>
    public string? InterruptOnce { get; set; }

    /// <summary>Serve this file with flipped bytes (but the true checksum).</summary>
    public string? Corrupt { get; set; }

    /// <summary>A file whose first transfer sends half its bytes, then nothing for <see cref="StallSeconds"/> before giving up.</summary>
    public string? StallOnce { get; set; }

    /// <summary>Far beyond a client's stall timeout, so that the client gives up first even on a loaded machine.</summary>
    public double StallSeconds { get; set; } = 60;

    public List<string> RangeRequests { get; } = [];

    static void AbortQuietly(HttpListenerResponse response)
    {
        try
        {
            response.Abort();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The listener was closed first.
        }
    }

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            try
            {
                Serve(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
    }

    void Serve(HttpListenerContext context)
    {
        string prefix = $"/{Repository}/resolve/main/";
        string path = context.Request.Url!.AbsolutePath;
        string file = path.StartsWith(prefix, StringComparison.Ordinal) ? Path.Combine(_root, path[prefix.Length..]) : "";
        var response = context.Response;
        if (!File.Exists(file))
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }
        byte[] bytes = File.ReadAllBytes(file);
        string name = Path.GetFileName(file);
        if (name.EndsWith(".safetensors", StringComparison.Ordinal))
            response.Headers["X-Linked-Etag"] = $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"";
        if (name == Corrupt)
        {
            bytes = (byte[])bytes.Clone();
            bytes[^1] ^= 0xFF;
        }
        int start = 0;
        if (context.Request.Headers["Range"] is { } range)
        {
            lock (RangeRequests)
                RangeRequests.Add($"{name} {range}");
            start = int.Parse(range["bytes=".Length..].TrimEnd('-'));
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
        }
        response.ContentLength64 = bytes.Length - start;
        if (name == StallOnce)
        {
            StallOnce = null;
            response.OutputStream.Write(bytes, start, (bytes.Length - start) / 2);
            response.OutputStream.Flush();
            // The connection is held open apart from the serving loop, which goes on to serve the resumed download.
            _ = Task.Delay(TimeSpan.FromSeconds(StallSeconds)).ContinueWith(_ => AbortQuietly(response), TaskScheduler.Default);
            return;
        }
        if (name == InterruptOnce)
        {
            InterruptOnce = null;
            response.OutputStream.Write(bytes, start, (bytes.Length - start) / 2);
            response.OutputStream.Flush();
            response.Abort();
            return;
        }
        response.OutputStream.Write(bytes, start, bytes.Length - start);
        response.Close();
    }

    public void Dispose()
    {
        // Close alone stops and releases the port: Stop first would make Close bind the port again
        // to unregister it, which fails when another socket has taken the port meanwhile.
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
