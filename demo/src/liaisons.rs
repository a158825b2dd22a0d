//! Liaisons of both departments in every prefecture and county.

use domain::identity::Department;
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::liaisons::LiaisonRow;
use persistence::DbConnection;

use crate::dice::ymd;
use crate::{DemoError, Generator};

impl Generator<'_> {
    /// A liaison of each department for every prefecture and county; some replaced one
    /// kept inactive.
    pub(crate) fn store_liaisons(&mut self, conn: &mut DbConnection) -> Result<(), DemoError> {
        let as_of = self.as_of();
        let regions: Vec<(String, &'static str)> = self
            .prefectures
            .iter()
            .map(|p| (p.code.clone(), p.area_code))
            .chain(
                self.counties
                    .iter()
                    .map(|c| (c.code.clone(), self.prefectures[c.prefecture].area_code)),
            )
            .collect();
        let mut rows = Vec::new();
        for (code, area_code) in &regions {
            for department in [Department::CivilAffairs, Department::RuralRevitalization] {
                let (mailbox, positions): (&str, &[&str]) = match department {
                    Department::CivilAffairs => (
                        "mz",
                        &[
                            "社会组织管理科科长",
                            "社会组织管理科副科长",
                            "社会组织管理科四级主任科员",
                        ],
                    ),
                    Department::RuralRevitalization => (
                        "xczx",
                        &["综合科科长", "帮扶协作科副科长", "政策法规科四级主任科员"],
                    ),
                };
                let replaced = self.dice.chance(0.1);
                let named_on = if replaced {
                    self.dice.day(ymd(2024, 1, 1), as_of)
                } else {
                    self.dice.day(ymd(2023, 10, 10), ymd(2023, 12, 31))
                }
                .unwrap_or(as_of);
                let mut people = vec![(true, named_on)];
                if replaced {
                    let earlier = self
                        .dice
                        .day(ymd(2023, 10, 10), ymd(2023, 12, 31))
                        .unwrap_or(named_on);
                    people.push((false, earlier));
                }
                for (active, on) in people {
                    let dice = &mut self.dice;
                    let phone = if dice.chance(0.6) {
                        dice.landline(area_code)?
                    } else {
                        dice.mobile()?
                    };
                    let created_at = dice.at(on);
                    let updated_at = if active {
                        created_at
                    } else {
                        dice.at(named_on).max(created_at)
                    };
                    let id = dice.id(created_at);
                    rows.push(LiaisonRow {
                        id: DbUuid(id),
                        region_code: code.clone(),
                        department: department.as_str().to_owned(),
                        name: dice.person_name(),
                        position: Some((*dice.pick(positions)).to_owned()),
                        phone: phone.as_str().to_owned(),
                        email: Some(format!("{mailbox}{code}.{}@demo.invalid", dice.int(1, 99))),
                        active,
                        version: if active { 1 } else { 2 },
                        created_at: DbTimestamp(created_at),
                        updated_at: DbTimestamp(updated_at),
                    });
                }
            }
        }
        self.recorder.begin("liaisons", rows.len());
        self.recorder.store(conn, &rows)?;
        self.recorder.end();
        Ok(())
    }
}
