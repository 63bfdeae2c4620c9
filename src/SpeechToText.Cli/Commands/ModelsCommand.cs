using System.CommandLine;
using Microsoft.Extensions.Logging;
using SpeechToText.Checkpoints;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt models list</c> and <c>stt models download NAME</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var list = new Command("list", "List the known model names and which are downloaded");
        list.SetAction(parsed => SttApp.Execute(parsed, error, _ =>
        {
            output.WriteLine($"models directory: {ModelRegistry.ModelsDirectory} (set {ModelRegistry.DirectoryVariable} to change)");
            if (BundledModel.Path is { } bundled)
                output.WriteLine($"  {"(default)",-16} bundled       {bundled}");
            foreach (var (name, repository) in ModelRegistry.Known)
                output.WriteLine($"  {name,-16} {(ModelRegistry.IsDownloaded(name) ? "downloaded" : "-"),-13} {repository}");
            foreach (string directory in ModelRegistry.OtherDownloads())
                output.WriteLine($"  {Path.GetFileName(directory),-16} {"downloaded",-13} {directory}");
            return ExitCode.Ok;
        }));

        var name = new Argument<string>("name") { Description = "A model name (see stt models list) or a Hugging Face repository (owner/name)" };
        var download = new Command("download", "Download a model from the Hugging Face hub (resumable, checksummed)") { name };
        download.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            string model = parsed.GetValue(name)!;
            string repository = ModelRegistry.Known.TryGetValue(model, out var known) ? known
                : ModelRegistry.IsRepositoryId(model) ? model
                : model.Contains('/', StringComparison.Ordinal) ? throw new UsageException($"\"{model}\" is not a hub repository (owner/name, of letters, digits, '-', '_' and '.')")
                : throw new UsageException($"unknown model \"{model}\"; known: {string.Join(", ", ModelRegistry.Known.Keys)}, or give owner/name");
            string directory = ModelRegistry.PathOf(model);
            var bar = new ProgressBar(error);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var downloader = new ModelDownloader(http, loggers.CreateLogger("download"));
            var progress = new SynchronousProgress<DownloadProgress>(p => bar.Report(p.File, p.Bytes / 1e6, p.Total / 1e6, "MB"));
            try
            {
                downloader.DownloadAsync(repository, directory, ModelRegistry.Endpoint, progress, cancellation).GetAwaiter().GetResult();
            }
            finally
            {
                bar.Finish();
            }
            loggers.CreateLogger("download").LogInformation("{Model} is in {Directory}", model, directory);
            return ExitCode.Ok;
        }, cancellation)));

        return new Command("models", "List and download models") { list, download };
    }
}
