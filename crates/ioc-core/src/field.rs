//! The neutral field vocabulary: Elastic Common Schema names for the fields an exclusion may test.
//!
//! Write-ups name fields every which way (`CommandLine`, `process_name`, `Image`); they are
//! resolved here to one ECS field, and each backend maps that field to its own columns through
//! its field map. A name that resolves to nothing makes the exclusion prose, never a guess.

use std::fmt;

use serde::Serialize;

/// A field of the neutral vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    ProcessName,
    ProcessCommandLine,
    ProcessArgs,
    ProcessExecutable,
    ProcessParentName,
    ProcessParentExecutable,
    ProcessParentCommandLine,
    UserName,
    SourceIp,
    SourcePort,
    DestinationIp,
    DestinationPort,
    DestinationDomain,
    DestinationAddress,
    DnsQuestionName,
    UrlFull,
    FileName,
    FilePath,
    FileHashMd5,
    FileHashSha1,
    FileHashSha256,
    ScriptName,
}

/// The type of a field's values, so backends can write literals of the right type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Port,
}

impl Field {
    pub const ALL: [Field; 22] = [
        Field::ProcessName,
        Field::ProcessCommandLine,
        Field::ProcessArgs,
        Field::ProcessExecutable,
        Field::ProcessParentName,
        Field::ProcessParentExecutable,
        Field::ProcessParentCommandLine,
        Field::UserName,
        Field::SourceIp,
        Field::SourcePort,
        Field::DestinationIp,
        Field::DestinationPort,
        Field::DestinationDomain,
        Field::DestinationAddress,
        Field::DnsQuestionName,
        Field::UrlFull,
        Field::FileName,
        Field::FilePath,
        Field::FileHashMd5,
        Field::FileHashSha1,
        Field::FileHashSha256,
        Field::ScriptName,
    ];

    /// The ECS name.
    pub fn ecs(self) -> &'static str {
        match self {
            Field::ProcessName => "process.name",
            Field::ProcessCommandLine => "process.command_line",
            Field::ProcessArgs => "process.args",
            Field::ProcessExecutable => "process.executable",
            Field::ProcessParentName => "process.parent.name",
            Field::ProcessParentExecutable => "process.parent.executable",
            Field::ProcessParentCommandLine => "process.parent.command_line",
            Field::UserName => "user.name",
            Field::SourceIp => "source.ip",
            Field::SourcePort => "source.port",
            Field::DestinationIp => "destination.ip",
            Field::DestinationPort => "destination.port",
            Field::DestinationDomain => "destination.domain",
            Field::DestinationAddress => "destination.address",
            Field::DnsQuestionName => "dns.question.name",
            Field::UrlFull => "url.full",
            Field::FileName => "file.name",
            Field::FilePath => "file.path",
            Field::FileHashMd5 => "file.hash.md5",
            Field::FileHashSha1 => "file.hash.sha1",
            Field::FileHashSha256 => "file.hash.sha256",
            Field::ScriptName => "script.name",
        }
    }

    /// Fields that hold an IP address.
    pub fn is_address(self) -> bool {
        matches!(
            self,
            Field::SourceIp | Field::DestinationIp | Field::DestinationAddress
        )
    }

    pub fn value_type(self) -> FieldType {
        match self {
            Field::SourcePort | Field::DestinationPort => FieldType::Port,
            _ => FieldType::String,
        }
    }

    /// Resolves an ECS name (exactly) or one of the aliases write-ups use (any case).
    pub fn resolve(name: &str) -> Option<Field> {
        if let Some(field) = Field::ALL.iter().copied().find(|f| f.ecs() == name) {
            return Some(field);
        }
        let lower = name.to_ascii_lowercase();
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == lower)
            .map(|(_, field)| *field)
    }
}

/// Aliases, lower-cased. They come from Sysmon and Sigma (`Image`, `CommandLine`), Defender
/// (`ProcessCommandLine`), Splunk CIM (`dest_ip`, `process_name`) and plain prose habits.
const ALIASES: &[(&str, Field)] = &[
    ("processname", Field::ProcessName),
    ("process_name", Field::ProcessName),
    ("process", Field::ProcessName),
    ("filename", Field::FileName),
    ("commandline", Field::ProcessCommandLine),
    ("command_line", Field::ProcessCommandLine),
    ("processcommandline", Field::ProcessCommandLine),
    ("cmdline", Field::ProcessCommandLine),
    ("cmd_line", Field::ProcessCommandLine),
    ("process.commandline", Field::ProcessCommandLine),
    ("args", Field::ProcessArgs),
    ("image", Field::ProcessExecutable),
    ("process_path", Field::ProcessExecutable),
    ("processpath", Field::ProcessExecutable),
    ("folderpath", Field::ProcessExecutable),
    ("parentimage", Field::ProcessParentExecutable),
    ("parent_process_path", Field::ProcessParentExecutable),
    ("parentprocessname", Field::ProcessParentName),
    ("parent_process_name", Field::ProcessParentName),
    ("parent_process", Field::ProcessParentName),
    ("initiatingprocessfilename", Field::ProcessParentName),
    ("parentcommandline", Field::ProcessParentCommandLine),
    ("parent_command_line", Field::ProcessParentCommandLine),
    ("user", Field::UserName),
    ("username", Field::UserName),
    ("user_name", Field::UserName),
    ("accountname", Field::UserName),
    ("src_ip", Field::SourceIp),
    ("source_ip", Field::SourceIp),
    ("sourceip", Field::SourceIp),
    ("src_port", Field::SourcePort),
    ("sourceport", Field::SourcePort),
    ("dest_ip", Field::DestinationIp),
    ("dst_ip", Field::DestinationIp),
    ("destinationip", Field::DestinationIp),
    ("remoteip", Field::DestinationIp),
    ("dest_port", Field::DestinationPort),
    ("dst_port", Field::DestinationPort),
    ("destinationport", Field::DestinationPort),
    ("remoteport", Field::DestinationPort),
    ("dest_host", Field::DestinationDomain),
    ("destinationhostname", Field::DestinationDomain),
    ("dest", Field::DestinationAddress),
    ("queryname", Field::DnsQuestionName),
    ("query", Field::DnsQuestionName),
    ("url", Field::UrlFull),
    ("remoteurl", Field::UrlFull),
    ("targetfilename", Field::FilePath),
    ("file_path", Field::FilePath),
    ("file_name", Field::FileName),
    ("md5", Field::FileHashMd5),
    ("sha1", Field::FileHashSha1),
    ("sha256", Field::FileHashSha256),
    ("script_name", Field::ScriptName),
    ("scriptname", Field::ScriptName),
];

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ecs())
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.ecs())
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn resolves_ecs_names_and_aliases() {
        assert_eq!(Field::resolve("process.name"), Some(Field::ProcessName));
        assert_eq!(
            Field::resolve("CommandLine"),
            Some(Field::ProcessCommandLine)
        );
        assert_eq!(Field::resolve("Image"), Some(Field::ProcessExecutable));
        assert_eq!(
            Field::resolve("ParentImage"),
            Some(Field::ProcessParentExecutable)
        );
        assert_eq!(
            Field::resolve("parent_process_name"),
            Some(Field::ProcessParentName)
        );
        assert_eq!(Field::resolve("dest_ip"), Some(Field::DestinationIp));
        assert_eq!(Field::resolve("User"), Some(Field::UserName));
        assert_eq!(Field::resolve("TaskName"), None);
        // ECS names are exact: a capitalised ECS name is not silently accepted.
        assert_eq!(Field::resolve("Process.Name"), None);
    }

    #[test]
    fn every_field_resolves_from_its_own_name() {
        for field in Field::ALL {
            assert_eq!(Field::resolve(field.ecs()), Some(field));
        }
    }
}
